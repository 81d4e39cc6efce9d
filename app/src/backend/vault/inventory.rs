//! The keys from configuration, and how long each has been in use: the
//! key-encryption keys, the blind-index key, the two-step (MFA) key and the
//! audit signing key. Each is known by its fingerprint (16 bytes of
//! SHA-256 over a fixed label and the key: it tells nothing of the key), so
//! the database can keep when it first saw a key without holding the key.
//! Data keys live in the database and carry their own age (`dek`).

use crate::{backend::db::schema::configured_keys, error::AppError};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// What a configured key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyKind {
    /// Wraps data keys (`CAIRN_KEKS`); several versions may be configured.
    Kek,
    /// Keys the blind indexes (`CAIRN_BLIND_INDEX_KEY`).
    BlindIndex,
    /// Seals TOTP secrets (`CAIRN_MFA_KEY`).
    Mfa,
    /// Signs audit checkpoints (`CAIRN_AUDIT_SIGNING_KEY`).
    AuditSigning,
}

impl KeyKind {
    /// As stored (`configured_keys.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Kek => "kek",
            KeyKind::BlindIndex => "blind_index",
            KeyKind::Mfa => "mfa",
            KeyKind::AuditSigning => "audit_signing",
        }
    }

    /// How the operator knows it: the variable that holds it.
    pub fn variable(self) -> &'static str {
        match self {
            KeyKind::Kek => "CAIRN_KEKS",
            KeyKind::BlindIndex => "CAIRN_BLIND_INDEX_KEY",
            KeyKind::Mfa => "CAIRN_MFA_KEY",
            KeyKind::AuditSigning => "CAIRN_AUDIT_SIGNING_KEY",
        }
    }
}

/// A key this process runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfiguredKey {
    pub kind: KeyKind,
    pub version: u32,
    pub fingerprint: [u8; 16],
}

/// The fingerprint of key material `bytes`. Pinned: changing it would make
/// every key look new.
pub fn fingerprint(bytes: &[u8]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"cairn/key-fingerprint/v1\0")
        .chain_update(bytes)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Notes that `keys` are in use now: a key seen for the first time starts
/// its age today; one seen before keeps its first sighting.
pub async fn note_in_use(
    conn: &mut AsyncPgConnection,
    keys: &[ConfiguredKey],
) -> Result<(), AppError> {
    let rows: Vec<_> = keys
        .iter()
        .map(|key| {
            (
                configured_keys::kind.eq(key.kind.as_str()),
                configured_keys::fingerprint.eq(key.fingerprint.to_vec()),
                configured_keys::version.eq(i32::try_from(key.version).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    diesel::insert_into(configured_keys::table)
        .values(&rows)
        .on_conflict((configured_keys::kind, configured_keys::fingerprint))
        .do_update()
        .set(configured_keys::last_seen.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// A configured key and since when it has been in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAge {
    pub key: ConfiguredKey,
    pub in_use_since: OffsetDateTime,
}

impl KeyAge {
    /// Whole days in use at `now`.
    pub fn days(&self, now: OffsetDateTime) -> i64 {
        (now - self.in_use_since).whole_days()
    }

    /// Whether it has been in use longer than `limit_days` at `now`: the
    /// one rule `serve`'s warning and `cairn keys status` both apply.
    pub fn past(&self, limit_days: u32, now: OffsetDateTime) -> bool {
        self.days(now) > i64::from(limit_days)
    }
}

/// Since when each of `keys` has been in use (noted first, so every one
/// has an answer), in the order given.
pub async fn ages(
    conn: &mut AsyncPgConnection,
    keys: &[ConfiguredKey],
) -> Result<Vec<KeyAge>, AppError> {
    note_in_use(conn, keys).await?;
    let seen: Vec<(String, Vec<u8>, OffsetDateTime)> = configured_keys::table
        .select((
            configured_keys::kind,
            configured_keys::fingerprint,
            configured_keys::first_seen,
        ))
        .load(conn)
        .await?;
    Ok(keys
        .iter()
        .filter_map(|key| {
            let (_, _, since) = seen.iter().find(|(kind, fingerprint, _)| {
                kind == key.kind.as_str() && fingerprint.as_slice() == key.fingerprint
            })?;
            Some(KeyAge {
                key: *key,
                in_use_since: *since,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_is_pinned_and_tells_keys_apart() {
        // Pinned: a change would make every configured key look new.
        assert_eq!(
            crate::backend::secret::hex(&fingerprint(&[7u8; 32])),
            "288175adfd3c151e1d5b9dc8c7150e39"
        );
        assert_ne!(fingerprint(&[7u8; 32]), fingerprint(&[8u8; 32]));
        assert_ne!(&fingerprint(&[7u8; 32])[..], &[7u8; 16][..]);
    }
}
