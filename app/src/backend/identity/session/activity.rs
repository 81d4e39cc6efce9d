//! What happens to sessions between requests: a sweep deletes the dead, a
//! user's session count is capped, and the deadline can be read without
//! counting as activity (loading a session is activity: see `store`).

use crate::{
    backend::{
        audit::{self, Actor, Event, Origin},
        db::schema::sessions,
        secret,
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

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

/// When a live, signed-in session ends unless there is activity.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Deadline {
    pub expires_at: OffsetDateTime,
    pub idle_timeout_secs: i32,
    /// From sign-in, however active: `expires_at` never passes it.
    pub absolute_expires_at: OffsetDateTime,
}

impl Deadline {
    /// The end is the absolute limit, which no activity moves.
    pub fn at_limit(&self) -> bool {
        self.expires_at >= self.absolute_expires_at
    }
}

/// The deadline of a live, signed-in session; `None` when it has ended or
/// nobody is signed in to it. Reading this is not activity (it does not
/// load the session).
pub async fn deadline(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
) -> QueryResult<Option<Deadline>> {
    sessions::table
        .find(id_hash)
        .filter(sessions::expires_at.gt(diesel::dsl::now))
        .filter(sessions::user_id.is_not_null())
        .select(Deadline::as_select())
        .first(conn)
        .await
        .optional()
}
