//! Blind indexes: equality search on sealed values without decrypting the
//! table. An index is HMAC-SHA-256 of the normalized value under a key that
//! is derived, per practice and per column, from `CAIRN_BLIND_INDEX_KEY`
//! (never the KEK), truncated to [`INDEX_BYTES`].
//!
//! Why so short: an index that is unique per value tells whoever reads the
//! database which patients share a birthday or a surname. Sixteen bits put
//! every value in one of 65,536 buckets, so in a practice of any size many
//! different values share a bucket. A search reads the bucket (one index
//! lookup), opens those candidates, which the searcher may read anyway,
//! and keeps the exact matches. Collisions cost a decryption, never a wrong
//! answer.
//!
//! Accounts are the exception ([`BlindKey::account_index`]): sign-in must
//! single out an account by its email before it knows the practice, so
//! that index is full length and the same in every practice.
//!
//! NEVER change a normalization or the derivation without re-indexing:
//! stored indexes were computed with them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;
use zeroize::Zeroizing;

/// Bytes kept of each HMAC.
pub const INDEX_BYTES: usize = 2;

/// Bytes of an account's email index: all of the HMAC.
pub const ACCOUNT_INDEX_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// How a value is made canonical before it is indexed, so that what a
/// person would call the same value gets the same index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalize {
    /// Unicode compatibility form (NFKC: composed accents, full-width
    /// letters, ligatures), lower case, runs of spaces as one, trimmed.
    Text,
    /// As [`Normalize::Text`], with no spaces at all.
    Email,
    /// Digits only: "+1 (555) 010-0199" and "15550100199" match.
    Phone,
}

pub fn normalize(kind: Normalize, value: &str) -> Zeroizing<String> {
    let folded: String = value.nfkc().flat_map(char::to_lowercase).collect();
    let folded = Zeroizing::new(folded);
    Zeroizing::new(match kind {
        Normalize::Text => folded.split_whitespace().collect::<Vec<_>>().join(" "),
        Normalize::Email => folded.chars().filter(|c| !c.is_whitespace()).collect(),
        Normalize::Phone => folded.chars().filter(char::is_ascii_digit).collect(),
    })
}

/// The master blind-index key. `Debug` prints a redaction.
#[derive(Clone)]
pub struct BlindKey(Zeroizing<[u8; 32]>);

impl BlindKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Tells the key apart without holding it (`inventory`).
    pub fn fingerprint(&self) -> [u8; 16] {
        super::inventory::fingerprint(self.0.as_slice())
    }

    /// The index of `value` in `column` (e.g. "patients.legal_name") of
    /// practice `organization_id`.
    pub fn index(
        &self,
        organization_id: Uuid,
        column: &str,
        kind: Normalize,
        value: &str,
    ) -> Vec<u8> {
        let normalized = normalize(kind, value);
        let derived = self.derive(&[
            b"cairn/blind-index/v1\0",
            organization_id.as_bytes(),
            b"\0",
            column.as_bytes(),
        ]);
        let mut index = mac(derived.as_slice());
        index.update(normalized.as_bytes());
        index.finalize().into_bytes()[..INDEX_BYTES].to_vec()
    }

    /// The index sign-in finds an account by (`users.email_index`): of
    /// the normalized email, full length, under a key of its own that does
    /// not depend on the practice. Unique per practice, like the email.
    pub fn account_index(&self, email: &str) -> Vec<u8> {
        let normalized = normalize(Normalize::Email, email);
        let derived = self.derive(&[b"cairn/account-email/v1"]);
        let mut index = mac(derived.as_slice());
        index.update(normalized.as_bytes());
        index.finalize().into_bytes()[..ACCOUNT_INDEX_BYTES].to_vec()
    }

    /// A key for one use, derived from the master key and `label`.
    fn derive(&self, label: &[&[u8]]) -> Zeroizing<[u8; 32]> {
        let mut key = mac(self.0.as_slice());
        for part in label {
            key.update(part);
        }
        let mut derived = Zeroizing::new([0u8; 32]);
        derived.copy_from_slice(&key.finalize().into_bytes());
        derived
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

impl fmt::Debug for BlindKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spacing_and_unicode_forms_do_not_matter() {
        let same = [
            "José  O'Neil",
            " JOSÉ O'NEIL ",
            "Jose\u{301} O'Neil",
            "ｊｏｓé o'neil",
            "José\tO'Neil",
        ];
        for value in same {
            assert_eq!(
                normalize(Normalize::Text, value).as_str(),
                "josé o'neil",
                "{value:?}"
            );
        }
        assert_ne!(
            normalize(Normalize::Text, "Jose O'Neil").as_str(),
            "josé o'neil"
        );
        assert_eq!(
            normalize(Normalize::Email, " Avery.Quinn@Example.ORG ").as_str(),
            "avery.quinn@example.org"
        );
        assert_eq!(
            normalize(Normalize::Phone, "+1 (555) 010-0199").as_str(),
            "15550100199"
        );
    }

    #[test]
    fn stored_indexes_stay_valid_the_derivation_is_pinned() {
        // Values computed when these indexes were first stored: a change
        // to the derivation or a normalization fails here before it strands
        // every index in every database.
        let key = BlindKey::new([7; 32]);
        let hex = |bytes: Vec<u8>| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(key.index(
                Uuid::from_u128(1),
                "patients.legal_name",
                Normalize::Text,
                "Avery Quinn"
            )),
            "55ef"
        );
        assert_eq!(
            hex(key.account_index("avery.quinn@example.org")),
            "a145f399d18e9d8ab4f01ab119b473b8ab8074d3b3a2dbe2e637f9b028062a0c"
        );
    }

    #[test]
    fn an_account_index_is_full_length_keyed_and_blind_to_case_and_spacing() {
        let key = BlindKey::new([7; 32]);
        let a = key.account_index("Avery.Quinn@Example.org");
        assert_eq!(a.len(), ACCOUNT_INDEX_BYTES);
        assert_eq!(a, key.account_index("  avery.quinn@example.ORG "));
        assert_ne!(a, key.account_index("avery.quinn@example.com"));
        assert_ne!(
            a,
            BlindKey::new([8; 32]).account_index("avery.quinn@example.org")
        );
        // Not the value, and not what a column's index of it would start with.
        assert!(!String::from_utf8_lossy(&a).contains("avery"));
        let column = key.index(
            Uuid::nil(),
            "users.email",
            Normalize::Email,
            "avery.quinn@example.org",
        );
        assert_ne!(a[..INDEX_BYTES], column[..]);
    }

    #[test]
    fn indexes_are_keyed_per_practice_and_column_and_short() {
        let key = BlindKey::new([7; 32]);
        let org = Uuid::from_u128(1);
        let a = key.index(org, "patients.legal_name", Normalize::Text, "Avery Quinn");
        assert_eq!(a.len(), INDEX_BYTES);
        assert_eq!(
            a,
            key.index(org, "patients.legal_name", Normalize::Text, " avery  QUINN")
        );
        // Across many columns, practices and keys, the same value rarely
        // lands in the same bucket (16 bits: about 1 in 65,536).
        let elsewhere: Vec<Vec<u8>> = (2..200u128)
            .map(|n| {
                key.index(
                    Uuid::from_u128(n),
                    "patients.legal_name",
                    Normalize::Text,
                    "Avery Quinn",
                )
            })
            .collect();
        assert!(elsewhere.iter().filter(|i| **i == a).count() <= 1);
        assert_ne!(
            BlindKey::new([8; 32]).index(
                org,
                "patients.legal_name",
                Normalize::Text,
                "Avery Quinn"
            ),
            a
        );
    }

    #[test]
    fn the_key_never_prints() {
        assert_eq!(
            format!("{:?}", BlindKey::new([1; 32])),
            "BlindKey(<redacted>)"
        );
    }
}
