//! Key-encryption keys (KEKs): from configuration only, never stored in
//! the database. They wrap the data keys; several versions may be
//! configured during a rotation, one of them current.

use super::sealed::{Binding, FieldKey, OpenError, Row};
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// Where a wrapped data key is bound: its own row, so a wrapped key copied
/// onto another `data_keys` row does not unwrap.
pub(super) fn wrapped_at(dek_id: i32) -> Binding<'static> {
    Binding {
        table: "data_keys",
        column: "wrapped",
        row: Row::Number(i64::from(dek_id)),
    }
}

/// The configured KEK versions. `Debug` names the versions only.
#[derive(Clone)]
pub struct Keks {
    current: u32,
    keys: BTreeMap<u32, FieldKey>,
}

/// Why a KEK configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KekError {
    #[error("no key-encryption key is configured")]
    None,
    #[error("version {0} is named current but not configured")]
    CurrentMissing(u32),
    #[error("version {0} is configured twice")]
    Duplicate(u32),
    #[error("version 0 is not a version; number them from 1")]
    Zero,
}

impl Keks {
    /// `versions`: (version, 32 key bytes). `current`: the version new data
    /// keys are wrapped with (the highest when `None`).
    pub fn new(versions: Vec<(u32, [u8; 32])>, current: Option<u32>) -> Result<Self, KekError> {
        let mut keys = BTreeMap::new();
        for (version, bytes) in versions {
            let bytes = Zeroizing::new(bytes);
            if version == 0 {
                return Err(KekError::Zero);
            }
            if keys
                .insert(version, FieldKey::new(version, *bytes))
                .is_some()
            {
                return Err(KekError::Duplicate(version));
            }
        }
        let highest = *keys.keys().next_back().ok_or(KekError::None)?;
        let current = current.unwrap_or(highest);
        if !keys.contains_key(&current) {
            return Err(KekError::CurrentMissing(current));
        }
        Ok(Self { current, keys })
    }

    pub fn current(&self) -> u32 {
        self.current
    }

    pub fn has(&self, version: u32) -> bool {
        self.keys.contains_key(&version)
    }

    /// Each configured version and its key's fingerprint.
    pub fn fingerprints(&self) -> impl Iterator<Item = (u32, [u8; 16])> + '_ {
        self.keys
            .iter()
            .map(|(version, key)| (*version, key.fingerprint()))
    }

    /// Wraps data key `dek_id`'s bytes with the current KEK.
    pub(super) fn wrap(&self, dek_id: i32, dek: &[u8; 32]) -> (u32, Vec<u8>) {
        let kek = &self.keys[&self.current];
        (self.current, kek.seal(wrapped_at(dek_id), dek))
    }

    /// Unwraps data key `dek_id`, wrapped by KEK `version`.
    pub(super) fn unwrap(
        &self,
        version: u32,
        dek_id: i32,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, OpenError> {
        let kek = self
            .keys
            .get(&version)
            .ok_or(OpenError::UnknownKey(version))?;
        let plain = kek.open(wrapped_at(dek_id), wrapped)?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| OpenError::Malformed)?;
        Ok(Zeroizing::new(bytes))
    }
}

impl fmt::Debug for Keks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keks")
            .field("current", &self.current)
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_version_is_current_unless_one_is_named() {
        let keks = Keks::new(vec![(1, [1; 32]), (2, [2; 32])], None).expect("valid");
        assert_eq!(keks.current(), 2);
        let named = Keks::new(vec![(1, [1; 32]), (2, [2; 32])], Some(1)).expect("valid");
        assert_eq!(named.current(), 1);
        assert_eq!(
            Keks::new(vec![(1, [1; 32])], Some(3)).err(),
            Some(KekError::CurrentMissing(3))
        );
        assert_eq!(Keks::new(vec![], None).err(), Some(KekError::None));
        assert_eq!(
            Keks::new(vec![(1, [1; 32]), (1, [2; 32])], None).err(),
            Some(KekError::Duplicate(1))
        );
    }

    #[test]
    fn a_wrapped_key_unwraps_only_on_its_row_with_its_kek() {
        let keks = Keks::new(vec![(1, [1; 32]), (2, [2; 32])], Some(1)).expect("valid");
        let dek = [9u8; 32];
        let (version, wrapped) = keks.wrap(7, &dek);
        assert_eq!(version, 1);
        assert_eq!(*keks.unwrap(1, 7, &wrapped).expect("unwraps"), dek);
        assert_eq!(keks.unwrap(1, 8, &wrapped), Err(OpenError::Unauthentic));
        assert!(keks.unwrap(2, 7, &wrapped).is_err());
        assert_eq!(keks.unwrap(3, 7, &wrapped), Err(OpenError::UnknownKey(3)));
    }

    #[test]
    fn debug_names_versions_only() {
        let keks = Keks::new(vec![(1, [0xAB; 32])], None).expect("valid");
        let shown = format!("{keks:?}");
        assert!(shown.contains("current: 1"));
        assert!(!shown.contains("171") && !shown.contains("AB"));
    }
}
