//! Data-encryption keys (DEKs) in `data_keys`: one per patient (so erasing
//! a patient can destroy exactly their key), a second per patient for
//! psychotherapy notes, and one per practice. Stored
//! only wrapped by a KEK; unwrapped on demand through the cache.

use super::{
    Purpose, Scope, Vault,
    cache::DataKey,
    sealed::{FieldKey, OpenError},
};
use crate::{backend::db::schema::data_keys, error::AppError};
use aes_gcm::aead::Generate;
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

/// Why a data key could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No such key: never created, or destroyed (crypto-shredded).
    #[error("data key {0} does not exist (destroyed, or never created)")]
    Missing(u32),
    /// Wrapped by a KEK version that is not configured.
    #[error("data key {0} is wrapped by KEK version {1}, which is not configured")]
    KekMissing(u32, u32),
    /// The wrapped key failed to unwrap (tampered, or the wrong KEK).
    #[error("data key {0} did not unwrap: {1}")]
    Unwrap(u32, OpenError),
    #[error("the database could not be read")]
    Database,
}

impl From<diesel::result::Error> for KeyError {
    fn from(error: diesel::result::Error) -> Self {
        tracing::error!(%error, "reading a data key failed");
        KeyError::Database
    }
}

/// Fresh key bytes from the operating system's generator.
fn fresh_key() -> Zeroizing<[u8; 32]> {
    let mut key = aes_gcm::Key::<aes_gcm::Aes256Gcm>::generate();
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(key.as_slice());
    key.as_mut_slice().zeroize();
    bytes
}

/// Creates a new data key for `scope`, wrapped with the current KEK; the
/// caller makes sure no other key is current for it (a unique index would
/// refuse a second one anyway).
pub(super) async fn create(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    scope: Scope,
) -> Result<(u32, Arc<FieldKey>), AppError> {
    let id: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "nextval(pg_get_serial_sequence('data_keys', 'id'))",
    ))
    .get_result(conn)
    .await?;
    let id = i32::try_from(id).map_err(|_| AppError::Internal)?;
    let bytes = fresh_key();
    let (version, wrapped) = vault.keks.wrap(id, &bytes);
    diesel::insert_into(data_keys::table)
        .values((
            data_keys::id.eq(id),
            data_keys::organization_id.eq(scope.organization_id),
            data_keys::patient_id.eq(scope.patient_id),
            data_keys::purpose.eq(scope.purpose.as_str()),
            data_keys::kek_version.eq(i32::try_from(version).map_err(|_| AppError::Internal)?),
            data_keys::wrapped.eq(wrapped),
        ))
        .execute(conn)
        .await?;
    let id = id.unsigned_abs();
    let key = Arc::new(FieldKey::new(id, *bytes));
    vault.cache.put(
        id,
        DataKey {
            key: key.clone(),
            scope,
        },
    );
    Ok((id, key))
}

/// The key new values of `scope` are sealed with, created on first use.
///
/// Call it inside the transaction that stores the sealed value: it holds a
/// share lock on the key's row until that transaction ends, so a rotation
/// cannot retire the key (and later destroy it) while a value sealed with
/// it is still on its way in.
pub(super) async fn current(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    scope: Scope,
) -> Result<(u32, Arc<FieldKey>), AppError> {
    // Outside a transaction the share lock would end with this statement,
    // and a rotation could destroy the key before the value is stored.
    if !in_transaction(conn) {
        tracing::error!("a value was sealed outside a transaction; refused");
        return Err(AppError::Internal);
    }
    let in_use = data_keys::table
        .filter(data_keys::organization_id.eq(scope.organization_id))
        .filter(data_keys::retired_at.is_null())
        .filter(data_keys::purpose.eq(scope.purpose.as_str()))
        .select(data_keys::id);
    let found: Option<i32> = match scope.patient_id {
        Some(patient) => {
            in_use
                .filter(data_keys::patient_id.eq(patient))
                .for_share()
                .first(conn)
                .await
        }
        None => {
            in_use
                .filter(data_keys::patient_id.is_null())
                .for_share()
                .first(conn)
                .await
        }
    }
    .optional()?;
    match found {
        Some(id) => {
            let id = id.unsigned_abs();
            let key = load(conn, vault, id).await.map_err(|error| {
                tracing::error!(%error, "the current data key is unusable");
                AppError::Internal
            })?;
            Ok((id, key.key))
        }
        None => create(conn, vault, scope).await,
    }
}

fn in_transaction(conn: &mut AsyncPgConnection) -> bool {
    use diesel_async::{AsyncConnection, TransactionManager};
    <AsyncPgConnection as AsyncConnection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .is_ok_and(|depth| depth.is_some())
}

/// Data key `id`, unwrapped (from the cache when it is there).
pub(super) async fn load(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    id: u32,
) -> Result<DataKey, KeyError> {
    if let Some(key) = vault.cache.get(id) {
        return Ok(key);
    }
    load_uncached(conn, vault, id).await
}

/// A data key's row: practice, patient, purpose, KEK version, wrapped key.
type StoredKey = (Uuid, Option<Uuid>, String, i32, Vec<u8>);

/// Data key `id`, unwrapped from the database (and then cached).
pub(super) async fn load_uncached(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    id: u32,
) -> Result<DataKey, KeyError> {
    let Ok(row) = i32::try_from(id) else {
        return Err(KeyError::Missing(id));
    };
    let found: Option<StoredKey> = data_keys::table
        .find(row)
        .select((
            data_keys::organization_id,
            data_keys::patient_id,
            data_keys::purpose,
            data_keys::kek_version,
            data_keys::wrapped,
        ))
        .first(conn)
        .await
        .optional()?;
    let (organization_id, patient_id, purpose, version, wrapped) =
        found.ok_or(KeyError::Missing(id))?;
    // A purpose this build does not know opens nothing.
    let purpose = Purpose::parse(&purpose).ok_or(KeyError::Missing(id))?;
    let version = version.unsigned_abs();
    if !vault.keks.has(version) {
        return Err(KeyError::KekMissing(id, version));
    }
    let bytes = vault
        .keks
        .unwrap(version, row, &wrapped)
        .map_err(|e| KeyError::Unwrap(id, e))?;
    let key = DataKey {
        key: Arc::new(FieldKey::new(id, *bytes)),
        scope: Scope {
            organization_id,
            patient_id,
            purpose,
        },
    };
    vault.cache.put(id, key.clone());
    Ok(key)
}

/// How many data keys each KEK version wraps, by version.
pub async fn keys_by_kek(conn: &mut AsyncPgConnection) -> Result<Vec<(u32, i64)>, AppError> {
    use diesel::dsl::count_star;
    let versions: Vec<(i32, i64)> = data_keys::table
        .group_by(data_keys::kek_version)
        .select((data_keys::kek_version, count_star()))
        .order(data_keys::kek_version)
        .load(conn)
        .await?;
    Ok(versions
        .into_iter()
        .map(|(version, keys)| (version.unsigned_abs(), keys))
        .collect())
}

/// KEK versions that wrap data keys but are not configured: (version, how
/// many keys). The server refuses to start while any is missing.
pub async fn missing_keks(
    conn: &mut AsyncPgConnection,
    keks: &super::Keks,
) -> Result<Vec<(u32, i64)>, AppError> {
    let mut versions = keys_by_kek(conn).await?;
    versions.retain(|(version, _)| !keks.has(*version));
    Ok(versions)
}

/// What to tell the operator about `missing` (from [`missing_keks`]),
/// naming the variable to fix.
pub fn missing_keks_problem(missing: &[(u32, i64)]) -> String {
    let named: Vec<String> = missing
        .iter()
        .map(|(version, keys)| format!("version {version} (wraps {keys} data keys)"))
        .collect();
    format!(
        "CAIRN_KEKS: the database needs key-encryption key {} but it is not configured; add it back (keep old versions until `cairn keys rotate-kek` has finished)",
        named.join(", ")
    )
}

/// Data keys in use (not retired): how many, and when the oldest was made.
pub async fn in_use(
    conn: &mut AsyncPgConnection,
) -> Result<(i64, Option<time::OffsetDateTime>), AppError> {
    use diesel::dsl::{count_star, min};
    Ok(data_keys::table
        .filter(data_keys::retired_at.is_null())
        .select((count_star(), min(data_keys::created_at)))
        .get_result(conn)
        .await?)
}

/// Retired data keys not yet destroyed: an unfinished DEK rotation.
pub async fn retired_count(conn: &mut AsyncPgConnection) -> Result<i64, AppError> {
    Ok(data_keys::table
        .filter(data_keys::retired_at.is_not_null())
        .count()
        .get_result(conn)
        .await?)
}
