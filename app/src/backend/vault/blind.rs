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
        let mut column_key = mac(self.0.as_slice());
        column_key.update(b"cairn/blind-index/v1\0");
        column_key.update(organization_id.as_bytes());
        column_key.update(b"\0");
        column_key.update(column.as_bytes());
        let mut derived = Zeroizing::new([0u8; 32]);
        derived.copy_from_slice(&column_key.finalize().into_bytes());
        let mut index = mac(derived.as_slice());
        index.update(normalized.as_bytes());
        index.finalize().into_bytes()[..INDEX_BYTES].to_vec()
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
