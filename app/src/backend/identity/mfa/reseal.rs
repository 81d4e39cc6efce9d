//! Rotating the two-step key (`CAIRN_MFA_KEY`): once the new key is
//! current and the old one is kept in `CAIRN_MFA_RETIRED_KEYS`, every
//! authenticator secret is sealed again with the new key, a batch at a
//! time. Sign-in never waits for it: each batch is a short transaction,
//! and a secret opens with either key until the old one is removed. A
//! run that stops is finished by running it again (only what an older key
//! sealed is touched).

use super::binding;
use crate::backend::{
    audit::{self, Actor, Details, Event, Origin},
    db::schema::{mfa_enrollments, mfa_factors},
    vault::{Keyring, sealed::parse_header},
};
use crate::{
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Secrets read and re-sealed per transaction.
const BATCH: i64 = 500;

/// What a run re-sealed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Authenticators in use.
    pub factors: usize,
    /// Set-ups begun and not yet confirmed.
    pub enrollments: usize,
}

/// Seals every secret that an older key sealed with the current key of
/// `keys`, and records the run in the trail. Each batch's rows are locked
/// until it commits, so a secret replaced at the same moment (a new
/// authenticator) waits for it, then overwrites it.
pub async fn reseal_all(
    conn: &mut AsyncPgConnection,
    keys: &Keyring,
) -> Result<Resealed, AppError> {
    let done = Resealed {
        factors: reseal_table(conn, keys, Table::Factors).await?,
        enrollments: reseal_table(conn, keys, Table::Enrollments).await?,
    };
    let event = Event::new(
        AuditAction::KeyRotated,
        AuditOutcome::Allowed,
        Actor::Anonymous {
            organization_id: None,
        },
        Origin::default(),
    )
    .because("operator command")
    .details(
        Details::new()
            .with("key", "mfa")
            .with("version", i64::from(keys.current_id()))
            .with(
                "resealed",
                i64::try_from(done.factors + done.enrollments).unwrap_or(i64::MAX),
            ),
    );
    audit::record(conn, event).await?;
    Ok(done)
}

/// How many secrets each key version seals (`cairn keys status`): one
/// left under a retired version means the rotation is not finished.
pub async fn by_key(conn: &mut AsyncPgConnection) -> Result<BTreeMap<u32, i64>, AppError> {
    let mut counts = BTreeMap::new();
    let factors: Vec<Vec<u8>> = mfa_factors::table
        .select(mfa_factors::secret_sealed)
        .load(conn)
        .await?;
    let enrollments: Vec<Vec<u8>> = mfa_enrollments::table
        .select(mfa_enrollments::secret_sealed)
        .load(conn)
        .await?;
    for sealed in factors.iter().chain(&enrollments) {
        if let Ok(header) = parse_header(sealed) {
            *counts.entry(header.key_id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

#[derive(Debug, Clone, Copy)]
enum Table {
    Factors,
    Enrollments,
}

/// One table, in batches by user id; answers how many were re-sealed.
async fn reseal_table(
    conn: &mut AsyncPgConnection,
    keys: &Keyring,
    table: Table,
) -> Result<usize, AppError> {
    let mut after = Uuid::nil();
    let mut count = 0;
    loop {
        let (last, resealed) = conn
            .transaction::<_, AppError, _>(async |conn| {
                let rows = batch(conn, table, after).await?;
                let mut resealed = 0;
                for (user_id, sealed) in &rows {
                    let fresh = keys.reseal(binding(*user_id), sealed).map_err(|error| {
                        tracing::error!(user.id = %user_id, %error, "an MFA secret did not open for re-sealing");
                        AppError::Internal
                    })?;
                    if let Some(fresh) = fresh {
                        resealed += replace(conn, table, *user_id, &fresh).await?;
                    }
                }
                Ok((rows.last().map(|(id, _)| *id), resealed))
            })
            .await?;
        count += resealed;
        match last {
            Some(id) => after = id,
            None => return Ok(count),
        }
    }
}

/// The next secrets after `after`, locked until the batch commits.
async fn batch(
    conn: &mut AsyncPgConnection,
    table: Table,
    after: Uuid,
) -> QueryResult<Vec<(Uuid, Vec<u8>)>> {
    match table {
        Table::Factors => {
            mfa_factors::table
                .filter(mfa_factors::user_id.gt(after))
                .order(mfa_factors::user_id)
                .limit(BATCH)
                .select((mfa_factors::user_id, mfa_factors::secret_sealed))
                .for_update()
                .load(conn)
                .await
        }
        Table::Enrollments => {
            mfa_enrollments::table
                .filter(mfa_enrollments::user_id.gt(after))
                .order(mfa_enrollments::user_id)
                .limit(BATCH)
                .select((mfa_enrollments::user_id, mfa_enrollments::secret_sealed))
                .for_update()
                .load(conn)
                .await
        }
    }
}

/// Writes `fresh` as `user_id`'s secret (its row is locked by [`batch`]).
async fn replace(
    conn: &mut AsyncPgConnection,
    table: Table,
    user_id: Uuid,
    fresh: &[u8],
) -> QueryResult<usize> {
    match table {
        Table::Factors => {
            diesel::update(mfa_factors::table.find(user_id))
                .set(mfa_factors::secret_sealed.eq(fresh))
                .execute(conn)
                .await
        }
        Table::Enrollments => {
            diesel::update(mfa_enrollments::table.find(user_id))
                .set(mfa_enrollments::secret_sealed.eq(fresh))
                .execute(conn)
                .await
        }
    }
}
