//! tower-sessions' `SessionStore` on PostgreSQL through diesel-async.

use super::{SIGNED_IN_KEY, SessionPolicy, SignedIn};
use crate::backend::{
    client::id_hash,
    db::{Database, schema::sessions},
};
use async_trait::async_trait;
use diesel::{
    OptionalExtension,
    pg::Pg,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

/// Sessions in the `sessions` table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PgSessionStore {
    db: Database,
    policy: SessionPolicy,
}

impl PgSessionStore {
    pub fn new(db: Database, policy: SessionPolicy) -> Self {
        Self { db, policy }
    }

    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }
}

/// What the columns of a new row hold, derived from the session data.
struct Timing {
    user_id: Option<uuid::Uuid>,
    idle_timeout_secs: i32,
    absolute_expires_at: OffsetDateTime,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl PgSessionStore {
    fn timing(&self, record: &Record) -> Timing {
        let now = OffsetDateTime::now_utc();
        let signed_in = record
            .data
            .get(SIGNED_IN_KEY)
            .and_then(|value| serde_json::from_value::<SignedIn>(value.clone()).ok());
        match signed_in {
            Some(who) => Timing {
                user_id: Some(who.user_id),
                idle_timeout_secs: i32::try_from(who.idle_timeout_secs).unwrap_or(i32::MAX),
                absolute_expires_at: OffsetDateTime::from_unix_timestamp(who.absolute_expires_at)
                    .unwrap_or(now),
                ip: who.ip.map(|ip| ip.chars().take(64).collect()),
                user_agent: who.user_agent.map(|ua| ua.chars().take(512).collect()),
            },
            None => Timing {
                user_id: None,
                idle_timeout_secs: secs(self.policy.idle_anonymous),
                absolute_expires_at: now + self.policy.absolute,
                ip: None,
                user_agent: None,
            },
        }
    }
}

fn secs(duration: std::time::Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

fn backend(error: impl std::fmt::Display) -> Error {
    Error::Backend(error.to_string())
}

/// The session's data as its row keeps it: without the account's name,
/// which [`load`](PgSessionStore::load) adds for the request only.
fn data_json(record: &Record) -> Result<serde_json::Value> {
    let mut data = record.data.clone();
    data.remove(super::ACCOUNT_NAME_KEY);
    serde_json::to_value(&data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for PgSessionStore {
    /// Inserts a new row, drawing a fresh id on the (astronomically
    /// unlikely) collision. A signed-in session beyond the user's limit
    /// ends their oldest.
    async fn create(&self, record: &mut Record) -> Result<()> {
        let mut conn = self.db.conn().await.map_err(backend)?;
        let timing = self.timing(record);
        let data = data_json(record)?;
        let now = OffsetDateTime::now_utc();
        let idle = time::Duration::seconds(i64::from(timing.idle_timeout_secs));
        let expires_at = (now + idle).min(timing.absolute_expires_at);
        loop {
            let inserted = diesel::insert_into(sessions::table)
                .values((
                    sessions::id_hash.eq(id_hash(&record.id)),
                    sessions::data.eq(&data),
                    sessions::user_id.eq(timing.user_id),
                    sessions::idle_timeout_secs.eq(timing.idle_timeout_secs),
                    sessions::absolute_expires_at.eq(timing.absolute_expires_at),
                    sessions::expires_at.eq(expires_at),
                    sessions::ip.eq(&timing.ip),
                    sessions::user_agent.eq(&timing.user_agent),
                ))
                .on_conflict_do_nothing()
                .execute(&mut conn)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                break;
            }
            record.id = Id::default();
        }
        if let Some(user_id) = timing.user_id {
            super::activity::enforce_limit(&mut conn, user_id, self.policy.max_per_user)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    /// Saves changed data. Timings stay as they are: only sign-in (a new
    /// row) starts them and only real requests move them.
    async fn save(&self, record: &Record) -> Result<()> {
        let mut conn = self.db.conn().await.map_err(backend)?;
        let updated = diesel::update(sessions::table.find(id_hash(&record.id)))
            .filter(sessions::expires_at.gt(diesel::dsl::now))
            .set(sessions::data.eq(data_json(record)?))
            .execute(&mut conn)
            .await
            .map_err(backend)?;
        if updated == 0 {
            // Ended (signed out, ended by an admin, expired) while this
            // request ran: it stays ended. Recreating it here would bring a
            // killed session back to life.
            tracing::debug!("not saving a session that has ended");
        }
        Ok(())
    }

    /// Loads a live session, and in the same statement counts the request
    /// as activity: its idle deadline moves (never past the absolute one).
    /// One round trip where a separate "touch" and read took two. The one
    /// request that must not count, asking how much time is left, reads the
    /// deadline without loading the session ([`super::activity::deadline`]).
    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let mut conn = self.db.conn().await.map_err(backend)?;
        let row: Option<(serde_json::Value, OffsetDateTime, Option<String>)> = Touch {
            id_hash: id_hash(id),
        }
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(backend)?;
        row.map(|(data, expires_at, name)| {
            let mut data: std::collections::HashMap<String, serde_json::Value> =
                serde_json::from_value(data).map_err(|e| Error::Decode(e.to_string()))?;
            // The signed-in account's name, read by the same statement for
            // the pages that greet them; never written back (`data_json`).
            if let Some(name) = name {
                data.insert(super::ACCOUNT_NAME_KEY.to_owned(), name.into());
            }
            Ok(Record {
                id: *id,
                data,
                expiry_date: expires_at,
            })
        })
        .transpose()
    }

    /// Deletes a live session. An expired one stays for the sweep, which
    /// records it as timed out (the timeout warning's sign-out beacon
    /// arrives after the expiry it reports).
    async fn delete(&self, id: &Id) -> Result<()> {
        let mut conn = self.db.conn().await.map_err(backend)?;
        diesel::delete(
            sessions::table
                .find(id_hash(id))
                .filter(sessions::expires_at.gt(diesel::dsl::now)),
        )
        .execute(&mut conn)
        .await
        .map_err(backend)?;
        Ok(())
    }
}

/// Loads a live session and moves its idle deadline (see `load`). A query
/// type rather than `sql_query`, so each connection prepares it once: it
/// runs on every request, and a `sql_query` is prepared, parsed and planned
/// anew on every call.
#[derive(Debug, Clone, QueryId)]
struct Touch {
    id_hash: Vec<u8>,
}

impl diesel::query_builder::Query for Touch {
    type SqlType = (
        diesel::sql_types::Jsonb,
        diesel::sql_types::Timestamptz,
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    );
}

impl QueryFragment<Pg> for Touch {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "UPDATE sessions SET last_seen_at = now(), \
             expires_at = least(now() + make_interval(secs => idle_timeout_secs), absolute_expires_at) \
             WHERE id_hash = ",
        );
        out.push_bind_param::<diesel::sql_types::Bytea, _>(&self.id_hash)?;
        out.push_sql(
            " AND expires_at > now() RETURNING data, expires_at, \
             (SELECT display_name FROM users WHERE users.id = sessions.user_id)",
        );
        Ok(())
    }
}
