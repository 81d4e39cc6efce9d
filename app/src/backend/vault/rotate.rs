//! Key rotation without downtime or loss. Both rotations work in small
//! batches, each its own transaction, and every step is safe to repeat: a
//! rotation killed at any point is finished by running it again.
//!
//! - **KEK**: every data key not wrapped by the current KEK is unwrapped
//!   with its own (still configured) version and wrapped with the current
//!   one. Values are not touched.
//! - **DEK**: each data key in the target is retired and a new one made
//!   current, in one transaction per key (new values use the new key at
//!   once). Then every value still sealed with a retired key is opened and
//!   sealed again with its patient's current key; a retired key no value
//!   names any more is destroyed. A rerun finds the retired keys and goes
//!   on from there, never retiring twice.

use super::{
    Column, Purpose, Scope, Vault,
    columns::{self, Registered},
    dek,
};
use crate::{
    backend::{
        audit::{self, Actor, Details, Event, Origin},
        db::schema::data_keys,
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::{prelude::*, sql_types};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// Data keys re-wrapped in one transaction.
const KEY_BATCH: i64 = 100;
/// Rows re-sealed in one transaction.
const VALUE_BATCH: i64 = 200;

/// What a KEK rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KekRotation {
    pub rewrapped: usize,
    pub version: u32,
}

/// Re-wraps every data key with the current KEK, and records that it did.
pub async fn rotate_kek(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
) -> Result<KekRotation, AppError> {
    let current = vault.keks.current();
    let current_column = i32::try_from(current).map_err(|_| AppError::Internal)?;
    let mut rewrapped = 0;
    loop {
        let batch: Vec<(i32, i32, Vec<u8>)> = data_keys::table
            .filter(data_keys::kek_version.ne(current_column))
            .order(data_keys::id)
            .limit(KEY_BATCH)
            .select((data_keys::id, data_keys::kek_version, data_keys::wrapped))
            .load(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                let mut done = 0;
                for (id, version, wrapped) in &batch {
                    let bytes = vault
                        .keks
                        .unwrap(version.unsigned_abs(), *id, wrapped)
                        .map_err(|error| {
                            tracing::error!(key.id = id, kek.version = version, %error, "a data key did not unwrap; rotation stopped");
                            AppError::Internal
                        })?;
                    let (_, again) = vault.keks.wrap(*id, &bytes);
                    // Only if no one else re-wrapped it meanwhile.
                    done += diesel::update(
                        data_keys::table
                            .filter(data_keys::id.eq(id))
                            .filter(data_keys::kek_version.eq(version)),
                    )
                    .set((
                        data_keys::wrapped.eq(again),
                        data_keys::kek_version.eq(current_column),
                    ))
                    .execute(conn)
                    .await?;
                }
                Ok(done)
            })
            .await?;
        rewrapped += done;
    }
    record(
        conn,
        None,
        Details::new()
            .with("kind", "kek")
            .with("keys", count(rewrapped))
            .with("kek_version", i64::from(current)),
    )
    .await?;
    Ok(KekRotation {
        rewrapped,
        version: current,
    })
}

/// Which data keys a DEK rotation replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The practice's key and every one of its patients' keys.
    Practice(Uuid),
    /// One patient's key.
    Patient {
        organization_id: Uuid,
        patient_id: Uuid,
    },
}

impl Target {
    fn organization_id(self) -> Uuid {
        match self {
            Target::Practice(id)
            | Target::Patient {
                organization_id: id,
                ..
            } => id,
        }
    }
}

/// What a DEK rotation did (this run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DekRotation {
    /// Keys retired (and replaced) by this run; 0 when it resumed one.
    pub retired: usize,
    pub resealed: usize,
    /// Retired keys destroyed once no value named them.
    pub destroyed: usize,
    /// False when it stopped at `stop_after` with work left.
    pub finished: bool,
}

/// Replaces the data keys of `target` and re-seals their values. With
/// `stop_after`, stops once it has re-sealed at least that many values
/// (to test a rotation cut short); run it again to finish.
pub async fn rotate_dek(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    target: Target,
    stop_after: Option<usize>,
) -> Result<DekRotation, AppError> {
    let mut report = DekRotation::default();
    if retired_keys(conn, target).await?.is_empty() {
        for (id, scope) in current_keys(conn, target).await? {
            conn.transaction::<_, AppError, _>(async |conn| {
                diesel::update(
                    data_keys::table
                        .find(id)
                        .filter(data_keys::retired_at.is_null()),
                )
                .set(data_keys::retired_at.eq(OffsetDateTime::now_utc()))
                .execute(conn)
                .await?;
                dek::create(conn, vault, scope).await.map(drop)
            })
            .await?;
            report.retired += 1;
        }
    }
    let (of_patients, of_practice) = (tables(columns::ALL), tables(columns::OF_PRACTICE));
    'keys: for (old_id, scope) in retired_keys(conn, target).await? {
        let old = old_id.unsigned_abs();
        // A patient's key seals their record's columns; the practice's key
        // the practice's own (rows named by their practice).
        let (owner, tables) = match scope.patient_id {
            Some(patient) => (patient, &of_patients),
            None => (scope.organization_id, &of_practice),
        };
        for table in tables {
            loop {
                if stop_after.is_some_and(|limit| report.resealed >= limit) {
                    break 'keys;
                }
                let (rows, moved) = reseal_batch(conn, vault, table, old, scope, owner).await?;
                report.resealed += moved;
                if rows < VALUE_BATCH {
                    break;
                }
            }
        }
        // The application's role may not delete data keys; the owner's
        // function destroys a retired one and records that it did.
        diesel::sql_query("SELECT cairn_destroy_retired_data_key($1)")
            .bind::<sql_types::Integer, _>(old_id)
            .execute(conn)
            .await?;
        vault.cache.forget(old);
        report.destroyed += 1;
    }
    report.finished = retired_keys(conn, target).await?.is_empty();
    record(
        conn,
        Some(target.organization_id()),
        Details::new()
            .with("kind", "dek")
            .with("keys_retired", count(report.retired))
            .with("values_resealed", count(report.resealed))
            .with("keys_destroyed", count(report.destroyed))
            .with("finished", report.finished),
    )
    .await?;
    Ok(report)
}

/// The registered sealed columns of one table, re-sealed a row at a time.
struct SealedTable {
    table: &'static str,
    id_column: &'static str,
    patient_column: &'static str,
    columns: Vec<Column>,
}

/// `registered` ([`columns::ALL`] or [`columns::OF_PRACTICE`]) grouped by
/// table.
fn tables(registered: &[Registered]) -> Vec<SealedTable> {
    let mut tables: Vec<SealedTable> = Vec::new();
    for registered in registered {
        let Registered {
            column,
            id_column,
            patient_column,
        } = *registered;
        match tables.iter_mut().find(|t| t.table == column.table) {
            Some(table) => table.columns.push(column),
            None => tables.push(SealedTable {
                table: column.table,
                id_column,
                patient_column,
                columns: vec![column],
            }),
        }
    }
    tables
}

#[derive(QueryableByName)]
struct StoredRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Array<sql_types::Nullable<sql_types::Bytea>>)]
    values: Vec<Option<Vec<u8>>>,
}

/// Re-seals, in up to [`VALUE_BATCH`] rows of `table` belonging to
/// `patient` (the patient, or the practice for a practice's column), every
/// value that key `old` sealed, with the scope's current key; one
/// transaction. Answers (rows read, values moved).
async fn reseal_batch(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    table: &SealedTable,
    old: u32,
    scope: Scope,
    patient: Uuid,
) -> Result<(i64, usize), AppError> {
    let SealedTable {
        table: name,
        id_column,
        patient_column,
        columns,
    } = table;
    // Identifiers come from the fixed list in `columns`, never from input.
    let names: Vec<&str> = columns.iter().map(|c| c.column).collect();
    let under_old: Vec<String> = names
        .iter()
        .map(|c| format!("substring({c} FROM 2 FOR 4) = $2"))
        .collect();
    let select = format!(
        "SELECT {id_column} AS id, ARRAY[{}] AS values FROM {name} \
         WHERE {patient_column} = $1 AND ({}) \
         ORDER BY {id_column} LIMIT $3 FOR UPDATE",
        names.join(", "),
        under_old.join(" OR "),
    );
    // Only if it is still the value read (the row is locked; the check
    // costs nothing and states the intent).
    let updates: Vec<String> = names
        .iter()
        .map(|col| format!("UPDATE {name} SET {col} = $1 WHERE {id_column} = $2 AND {col} = $3"))
        .collect();
    let old_bytes = old.to_be_bytes();
    conn.transaction::<_, AppError, _>(async |conn| {
        let rows: Vec<StoredRow> = diesel::sql_query(&select)
            .bind::<sql_types::Uuid, _>(patient)
            .bind::<sql_types::Bytea, _>(old_bytes.to_vec())
            .bind::<sql_types::BigInt, _>(VALUE_BATCH)
            .load(conn)
            .await?;
        if rows.is_empty() {
            return Ok((0, 0));
        }
        let from = dek::load(conn, vault, old).await.map_err(|error| {
            tracing::error!(key.id = old, %error, "a retired data key is unusable; rotation stopped");
            AppError::Internal
        })?;
        let (_, to) = dek::current(conn, vault, scope).await?;
        let mut moved = 0;
        for row in &rows {
            for ((column, update), value) in columns.iter().zip(&updates).zip(&row.values) {
                let Some(value) = value else { continue };
                if value.get(1..5) != Some(&old_bytes[..]) {
                    continue;
                }
                let at = column.at(row.id);
                let plain = from.key.open(at, value).map_err(|error| {
                    tracing::error!(key.id = old, table = column.table, column = column.column, %error, "a sealed value did not open; rotation stopped");
                    AppError::Internal
                })?;
                diesel::sql_query(update)
                    .bind::<sql_types::Bytea, _>(to.seal(at, &plain))
                    .bind::<sql_types::Uuid, _>(row.id)
                    .bind::<sql_types::Bytea, _>(value)
                    .execute(conn)
                    .await?;
                moved += 1;
            }
        }
        Ok((i64::try_from(rows.len()).unwrap_or(i64::MAX), moved))
    })
    .await
}

/// Keys of `target` in use: (id, scope).
async fn current_keys(
    conn: &mut AsyncPgConnection,
    target: Target,
) -> Result<Vec<(i32, Scope)>, AppError> {
    keys(conn, target, false).await
}

/// Keys of `target` retired but not yet destroyed: (id, scope).
async fn retired_keys(
    conn: &mut AsyncPgConnection,
    target: Target,
) -> Result<Vec<(i32, Scope)>, AppError> {
    keys(conn, target, true).await
}

async fn keys(
    conn: &mut AsyncPgConnection,
    target: Target,
    retired: bool,
) -> Result<Vec<(i32, Scope)>, AppError> {
    let mut query = data_keys::table
        .filter(data_keys::organization_id.eq(target.organization_id()))
        .into_boxed();
    query = if retired {
        query.filter(data_keys::retired_at.is_not_null())
    } else {
        query.filter(data_keys::retired_at.is_null())
    };
    if let Target::Patient { patient_id, .. } = target {
        query = query.filter(data_keys::patient_id.eq(patient_id));
    }
    let rows: Vec<(i32, Uuid, Option<Uuid>, String)> = query
        .order(data_keys::id)
        .select((
            data_keys::id,
            data_keys::organization_id,
            data_keys::patient_id,
            data_keys::purpose,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(id, organization_id, patient_id, purpose)| {
            // A key of a purpose this build does not know is left alone
            // by stopping: rotating it could lose what it seals.
            let purpose = Purpose::parse(&purpose).ok_or_else(|| {
                tracing::error!(
                    key.id = id,
                    "a data key of an unknown purpose; rotation stopped"
                );
                AppError::Internal
            })?;
            let scope = Scope {
                organization_id,
                patient_id,
                purpose,
            };
            Ok((id, scope))
        })
        .collect()
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Records a rotation: an operator's command, so no person is the actor.
async fn record(
    conn: &mut AsyncPgConnection,
    organization_id: Option<Uuid>,
    details: Details,
) -> Result<(), AppError> {
    let event = Event::new(
        AuditAction::KeyRotated,
        AuditOutcome::Allowed,
        Actor::Anonymous { organization_id },
        Origin::default(),
    )
    .because("operator command")
    .details(details);
    audit::record(conn, event).await.map(drop)
}
