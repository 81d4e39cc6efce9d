//! Sealed fields: AES-256-GCM with a fresh random nonce per value, in a
//! compact versioned format, bound to where the value lives.
//!
//! ```text
//! byte 0      format version (1)
//! bytes 1..5  key id, big-endian u32 (which key sealed it)
//! bytes 5..17 nonce (96 bits, random)
//! bytes 17..  ciphertext and 16-byte tag
//! ```
//!
//! The associated data is the header plus a [`Binding`] (table, column,
//! row), so a value copied into another row or column, or with its header
//! edited, fails to open. Failing to open is an error the caller must
//! handle: never show it as an empty field.
//!
//! NEVER change the meaning of format version 1: rows store it.

use aes_gcm::{
    Aes256Gcm, Key,
    aead::{Aead, Generate, KeyInit, Nonce, Payload},
};
use std::fmt;
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

const VERSION: u8 = 1;
const HEADER: usize = 1 + 4 + 12;
const TAG: usize = 16;

/// Where a sealed value lives. It is part of the associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: Row,
}

/// A row's key: a uuid for most tables, a number for `data_keys`. Written
/// into the associated data as its usual text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Id(Uuid),
    Number(i64),
}

impl From<Uuid> for Row {
    fn from(id: Uuid) -> Self {
        Row::Id(id)
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Row::Id(id) => id.fmt(f),
            Row::Number(n) => n.fmt(f),
        }
    }
}

impl Binding<'_> {
    fn associated_data(&self, header: &[u8]) -> Vec<u8> {
        let mut aad = header.to_vec();
        aad.extend_from_slice(
            format!("cairn/{}/{}/{}", self.table, self.column, self.row).as_bytes(),
        );
        aad
    }
}

/// Why a sealed value did not open. Deliberately coarse: which of these
/// happened is for the log, not for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value names format version {0}, which this build cannot read")]
    UnknownVersion(u8),
    #[error("sealed value names key {0}, which is not configured")]
    UnknownKey(u32),
    /// Wrong key, tampered bytes, or moved to another row or column.
    #[error("sealed value failed authentication")]
    Unauthentic,
}

/// A 256-bit key and its id, held as the expanded AES key schedule (which
/// aes-gcm wipes on drop). Never printed.
#[derive(Clone)]
pub struct FieldKey {
    id: u32,
    cipher: Aes256Gcm,
    /// Tells the key apart without holding it (`inventory`).
    fingerprint: [u8; 16],
}

impl FieldKey {
    pub fn new(id: u32, bytes: [u8; 32]) -> Self {
        let mut key = Key::<Aes256Gcm>::from(bytes);
        let cipher = Aes256Gcm::new(&key);
        let fingerprint = super::inventory::fingerprint(key.as_slice());
        key.as_mut_slice().zeroize();
        Self {
            id,
            cipher,
            fingerprint,
        }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn fingerprint(&self) -> [u8; 16] {
        self.fingerprint
    }

    fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

impl fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldKey({}, <redacted>)", self.id)
    }
}

/// The keys that open sealed values; new values are sealed with `current`.
/// Older keys stay configured during a rotation so their values still open.
#[derive(Clone, Debug)]
pub struct Keyring {
    current: FieldKey,
    older: Vec<FieldKey>,
}

impl Keyring {
    pub fn new(current: FieldKey, older: Vec<FieldKey>) -> Self {
        Self { current, older }
    }

    pub fn current_id(&self) -> u32 {
        self.current.id
    }

    pub fn current_fingerprint(&self) -> [u8; 16] {
        self.current.fingerprint
    }

    fn find(&self, id: u32) -> Option<&FieldKey> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .find(|key| key.id == id)
    }

    /// Seals `plaintext` for `binding` with the current key.
    pub fn seal(&self, binding: Binding<'_>, plaintext: &[u8]) -> Vec<u8> {
        self.current.seal(binding, plaintext)
    }

    /// `sealed` sealed again with the current key, or `None` when it
    /// already is (a rotation re-seals only what an older key sealed).
    pub fn reseal(
        &self,
        binding: Binding<'_>,
        sealed: &[u8],
    ) -> Result<Option<Vec<u8>>, OpenError> {
        if parse_header(sealed)?.key_id == self.current.id {
            return Ok(None);
        }
        let plaintext = self.open(binding, sealed)?;
        Ok(Some(self.seal(binding, &plaintext)))
    }

    /// Opens a value sealed for `binding` with whichever configured key
    /// its header names. The plaintext is wiped when the caller drops it.
    pub fn open(
        &self,
        binding: Binding<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let header = parse_header(sealed)?;
        self.find(header.key_id)
            .ok_or(OpenError::UnknownKey(header.key_id))?
            .open(binding, sealed)
    }
}

impl FieldKey {
    /// Seals `plaintext` for `binding` with this key: a fresh random
    /// nonce every time.
    pub fn seal(&self, binding: Binding<'_>, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + plaintext.len() + TAG);
        out.push(VERSION);
        out.extend_from_slice(&self.id.to_be_bytes());
        let nonce = Nonce::<Aes256Gcm>::generate();
        out.extend_from_slice(nonce.as_slice());
        let aad = binding.associated_data(&out[..5]);
        // AES-GCM encryption fails only past 64 GiB of plaintext.
        let sealed = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed with this key for `binding`. A header naming
    /// another key is refused before any decryption.
    pub fn open(
        &self,
        binding: Binding<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let header = parse_header(sealed)?;
        if header.key_id != self.id {
            return Err(OpenError::UnknownKey(header.key_id));
        }
        let aad = binding.associated_data(&sealed[..5]);
        let nonce =
            Nonce::<Aes256Gcm>::try_from(&sealed[5..HEADER]).map_err(|_| OpenError::Malformed)?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[HEADER..],
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| OpenError::Unauthentic)
    }
}

/// What the header of a sealed value says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    pub key_id: u32,
}

/// Reads the header strictly: wrong version or a value too short to hold a
/// nonce and tag is an error, never a panic.
pub fn parse_header(sealed: &[u8]) -> Result<Header, OpenError> {
    let (&version, rest) = sealed.split_first().ok_or(OpenError::Malformed)?;
    if version != VERSION {
        return Err(OpenError::UnknownVersion(version));
    }
    if sealed.len() < HEADER + TAG {
        return Err(OpenError::Malformed);
    }
    let key_id = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
    Ok(Header { version, key_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(id: u32, byte: u8) -> Keyring {
        Keyring::new(FieldKey::new(id, [byte; 32]), vec![])
    }

    fn at(row: Uuid) -> Binding<'static> {
        Binding {
            table: "mfa_factors",
            column: "secret",
            row: row.into(),
        }
    }

    #[test]
    fn round_trip() {
        let keys = ring(1, 7);
        let row = Uuid::new_v4();
        let sealed = keys.seal(at(row), b"JBSWY3DPEHPK3PXP");
        assert_eq!(parse_header(&sealed).map(|h| h.key_id), Ok(1));
        assert_eq!(
            keys.open(at(row), &sealed).as_deref().map(Vec::as_slice),
            Ok(&b"JBSWY3DPEHPK3PXP"[..])
        );
        assert!(!sealed.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn a_value_moved_to_another_row_or_column_does_not_open() {
        let keys = ring(1, 7);
        let row = Uuid::new_v4();
        let sealed = keys.seal(at(row), b"secret");
        assert_eq!(
            keys.open(at(Uuid::new_v4()), &sealed),
            Err(OpenError::Unauthentic)
        );
        let other_column = Binding {
            column: "other",
            ..at(row)
        };
        assert_eq!(
            keys.open(other_column, &sealed),
            Err(OpenError::Unauthentic)
        );
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let keys = ring(1, 7);
        let row = Uuid::new_v4();
        let sealed = keys.seal(at(row), b"secret");
        for i in 0..sealed.len() * 8 {
            let mut bad = sealed.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert!(keys.open(at(row), &bad).is_err(), "bit {i}");
        }
    }

    #[test]
    fn the_wrong_key_is_refused_and_older_keys_still_open() {
        let row = Uuid::new_v4();
        let sealed = ring(1, 7).seal(at(row), b"secret");
        assert_eq!(
            ring(1, 8).open(at(row), &sealed),
            Err(OpenError::Unauthentic)
        );
        assert_eq!(
            ring(2, 7).open(at(row), &sealed),
            Err(OpenError::UnknownKey(1))
        );
        let rotated = Keyring::new(FieldKey::new(2, [9; 32]), vec![FieldKey::new(1, [7; 32])]);
        assert!(rotated.open(at(row), &sealed).is_ok());
        assert_eq!(
            parse_header(&rotated.seal(at(row), b"x")).map(|h| h.key_id),
            Ok(2)
        );
    }

    #[test]
    fn reseal_moves_only_what_an_older_key_sealed() {
        let row = Uuid::new_v4();
        let old = ring(1, 7).seal(at(row), b"secret");
        let rotated = Keyring::new(FieldKey::new(2, [9; 32]), vec![FieldKey::new(1, [7; 32])]);
        let moved = rotated
            .reseal(at(row), &old)
            .expect("opens")
            .expect("re-sealed");
        assert_eq!(parse_header(&moved).map(|h| h.key_id), Ok(2));
        assert_eq!(
            ring(2, 9)
                .open(at(row), &moved)
                .as_deref()
                .map(Vec::as_slice),
            Ok(&b"secret"[..])
        );
        assert_eq!(rotated.reseal(at(row), &moved), Ok(None), "already current");
        // A value moved to another row is refused, not laundered.
        assert_eq!(
            rotated.reseal(at(Uuid::new_v4()), &old),
            Err(OpenError::Unauthentic)
        );
    }

    #[test]
    fn nonces_are_fresh() {
        let keys = ring(1, 7);
        let row = Uuid::new_v4();
        let nonces: std::collections::HashSet<Vec<u8>> = (0..10_000)
            .map(|_| keys.seal(at(row), b"same")[5..HEADER].to_vec())
            .collect();
        assert_eq!(nonces.len(), 10_000);
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert_eq!(parse_header(&[]), Err(OpenError::Malformed));
        assert_eq!(parse_header(&[2; 40]), Err(OpenError::UnknownVersion(2)));
        assert_eq!(parse_header(&[1; 20]), Err(OpenError::Malformed));
        let keys = ring(1, 7);
        for len in 0..HEADER + TAG {
            let mut short = vec![1u8; len];
            if let Some(first) = short.first_mut() {
                *first = VERSION;
            }
            assert!(keys.open(at(Uuid::nil()), &short).is_err());
        }
    }

    #[test]
    fn keys_never_print() {
        let key = FieldKey::new(3, [0xAB; 32]);
        let shown = format!("{key:?} {:?}", ring(3, 0xAB));
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "));
        assert!(shown.contains("redacted"));
    }

    /// Any bytes at all: parsing and opening answer an error or (only for
    /// what was really sealed) the value, and never panic. A million
    /// cases, half of them corruptions of a real sealed value (so the
    /// header parses and the cipher is reached), half arbitrary.
    #[test]
    fn the_parser_never_panics_and_never_opens_what_was_not_sealed() {
        use proptest::prelude::*;
        let keys = ring(1, 7);
        let row = Uuid::from_u128(42);
        let genuine = keys.seal(at(row), b"a real value");
        let config = ProptestConfig {
            cases: 1_000_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let cases = std::sync::atomic::AtomicUsize::new(0);
        proptest!(config, |(
            arbitrary in proptest::collection::vec(any::<u8>(), 0..64),
            flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
            cut in any::<usize>(),
            choose in any::<bool>(),
        )| {
            let bytes = if choose {
                arbitrary
            } else {
                let mut bad = genuine.clone();
                for (at, mask) in &flips {
                    let i = at % bad.len();
                    bad[i] ^= mask;
                }
                if flips.is_empty() {
                    bad.truncate(cut % bad.len());
                }
                bad
            };
            cases.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let header = parse_header(&bytes);
            let opened = keys.open(at(row), &bytes);
            prop_assert!(opened.is_err() || bytes == genuine);
            if let Ok(header) = header {
                prop_assert_eq!(header.version, VERSION);
                prop_assert!(bytes.len() >= HEADER + TAG);
            }
        });
        assert_eq!(cases.into_inner(), 1_000_000);
    }
}
