//! What happens to sessions between requests: activity moves the idle
//! deadline, a sweep deletes the dead, and users (or admins) end sessions.

use crate::backend::db::schema::sessions;
use diesel::{prelude::*, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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
pub async fn sweep(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(diesel::dsl::now)))
        .execute(conn)
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

/// One of a user's sessions, for their "your sessions" list.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A user's live sessions, newest activity first.
pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(diesel::dsl::now))
        .order(sessions::last_seen_at.desc())
        .select((
            sessions::id_hash,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::ip,
            sessions::user_agent,
        ))
        .load(conn)
        .await
}

/// Ends one of `user_id`'s sessions. Scoped to the user, so nobody can end
/// another person's session by guessing its key.
pub async fn end_one(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    id_hash: &[u8],
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id_hash.eq(id_hash)),
    )
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}

/// Ends every session of `user_id` except `keep` (the caller's own, when
/// signing out elsewhere or after a password change).
pub async fn end_all_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<&[u8]>,
) -> QueryResult<usize> {
    let mut query =
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id_hash.ne(keep));
    }
    query.execute(conn).await
}
