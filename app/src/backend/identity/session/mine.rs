//! A person's own sessions: listing them, and ending one or all.
//!
//! Sessions are named to their owner by a *handle*, a hash of the stored
//! key, never the key itself: the page that lists them needs no secret, and
//! a handle only works for the user who owns the session.

use crate::{backend::db::schema::sessions, model::SessionSummary};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// id_hash, created_at, last_seen_at, ip, user_agent.
type SessionRow = (
    Vec<u8>,
    OffsetDateTime,
    OffsetDateTime,
    Option<String>,
    Option<String>,
);

fn handle(id_hash: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"cairn session handle")
        .chain_update(id_hash)
        .finalize();
    crate::backend::secret::hex(&digest[..12])
}

/// The live sessions of `user_id`, most recently used first; `current` is
/// the stored key of the asking session.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    current: &[u8],
) -> QueryResult<Vec<SessionSummary>> {
    let rows: Vec<SessionRow> = sessions::table
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
        .await?;
    let now = OffsetDateTime::now_utc();
    Ok(rows
        .into_iter()
        .map(|(id_hash, created, seen, ip, user_agent)| SessionSummary {
            current: id_hash == current,
            handle: handle(&id_hash),
            device: crate::model::describe_device(user_agent.as_deref()),
            ip,
            signed_in_secs_ago: (now - created).whole_seconds().max(0),
            last_seen_secs_ago: (now - seen).whole_seconds().max(0),
        })
        .collect())
}

/// Ends the session of `user_id` named by `handle`; false when there is
/// none (already ended, or someone else's).
pub async fn end_one(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    wanted: &str,
) -> QueryResult<bool> {
    let keys: Vec<Vec<u8>> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(sessions::id_hash)
        .load(conn)
        .await?;
    let Some(key) = keys.into_iter().find(|key| handle(key) == wanted) else {
        return Ok(false);
    };
    let deleted = diesel::delete(sessions::table.find(key))
        .execute(conn)
        .await?;
    Ok(deleted == 1)
}

/// Ends every session of `user_id` but `keep` (the stored key of the
/// session to spare, if any); returns how many ended.
pub async fn end_all(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<&[u8]>,
) -> QueryResult<usize> {
    let mine = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep {
        Some(keep) => {
            diesel::delete(mine.filter(sessions::id_hash.ne(keep)))
                .execute(conn)
                .await
        }
        None => diesel::delete(mine).execute(conn).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_stable_short_and_not_the_key() {
        let key = [7u8; 32];
        assert_eq!(handle(&key), handle(&key));
        assert_eq!(handle(&key).len(), 24);
        assert_ne!(handle(&key), handle(&[8u8; 32]));
        assert!(!handle(&key).contains("0707"));
    }
}
