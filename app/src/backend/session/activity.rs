//! What happens to sessions between requests: activity moves the idle
//! deadline, a sweep deletes the dead, and a user's session count is capped.

use crate::{
    backend::{
        audit::{self, Actor, Event, Origin},
        db::schema::sessions,
        secret,
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::{OptionalExtension, prelude::*, sql_types};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// A real request arrived on this session: move its idle deadline (never
/// past the absolute one). Returns false when the session is unknown or
/// already expired, which then counts as signed out.
pub async fn touch(conn: &mut AsyncPgConnection, id_hash: &[u8]) -> QueryResult<bool> {
    let updated = diesel::sql_query(
        "UPDATE sessions \
         SET last_seen_at = now(), \
             expires_at = least(now() + make_interval(secs => idle_timeout_secs), absolute_expires_at) \
         WHERE id_hash = $1 AND expires_at > now()",
    )
    .bind::<sql_types::Bytea, _>(id_hash)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Deletes every expired session; returns how many.
///
/// Each signed-in one is recorded in the audit trail as timed out, in the
/// same transaction: a session is never gone without a trace.
pub async fn sweep(conn: &mut AsyncPgConnection) -> Result<usize, AppError> {
    conn.transaction(async |conn| {
        let ended: Vec<(Vec<u8>, Option<Uuid>)> =
            diesel::delete(sessions::table.filter(sessions::expires_at.le(diesel::dsl::now)))
                .returning((sessions::id_hash, sessions::user_id))
                .get_results(conn)
                .await?;
        for (id_hash, user_id) in &ended {
            let Some(user_id) = *user_id else { continue };
            let origin = Origin {
                session_hash: Some(secret::hex(id_hash)),
                ..Origin::default()
            };
            audit::record(
                conn,
                Event::new(
                    AuditAction::SessionTimedOut,
                    AuditOutcome::Allowed,
                    Actor::Account(user_id),
                    origin,
                )
                .about_user(user_id),
            )
            .await?;
        }
        Ok(ended.len())
    })
    .await
}

/// Ends a user's oldest signed-in sessions beyond `max`.
pub async fn enforce_limit(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    max: u32,
) -> QueryResult<usize> {
    let keep: Vec<Vec<u8>> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(diesel::dsl::now))
        .order((sessions::created_at.desc(), sessions::id_hash.desc()))
        .limit(i64::from(max))
        .select(sessions::id_hash)
        .load(conn)
        .await?;
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id_hash.ne_all(keep)),
    )
    .execute(conn)
    .await
}

/// When a live session ends unless there is activity, and its idle
/// timeout in seconds; `None` when it has ended. Reading this is not activity.
pub async fn deadline(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
) -> QueryResult<Option<(OffsetDateTime, i32)>> {
    sessions::table
        .find(id_hash)
        .filter(sessions::expires_at.gt(diesel::dsl::now))
        .select((sessions::expires_at, sessions::idle_timeout_secs))
        .first(conn)
        .await
        .optional()
}
