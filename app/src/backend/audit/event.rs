//! Recording an event: the one way anything is written to the trail.

use super::chain::{self, Covered, GENESIS};
use crate::{
    backend::{
        client::ClientInfo,
        db::schema::{audit_events, users},
        identity::authz,
        identity::session::signed_in,
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::{
    pg::Pg,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The advisory locks writers hold, until their transaction ends, while
/// they read a lane's head and append after it: class "cAUD", one object
/// per lane. Each lane is one chain in id order; several let writers append
/// at once instead of queueing behind one lock (see the `audit_lanes`
/// migration).
const CHAIN_LOCK_CLASS: i32 = 0x6341_5544;

/// How many lanes there are (the table's CHECK allows 0..8).
pub const LANES: i16 = 8;
/// [`LANES`] as the lock statement binds it.
const LANE_COUNT: i32 = LANES as i32;

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person.
    Person {
        user_id: Uuid,
        organization_id: Uuid,
        role: Role,
    },
    /// A known account acting without a signed-in session (a password
    /// step, a code prompt); its practice and role are read when recorded.
    Account(Uuid),
    /// Nobody known (a failed sign-in for no account, an expired link); the
    /// practice when it is known. What was typed as the account is never
    /// kept: people type passwords into the email field.
    Anonymous { organization_id: Option<Uuid> },
}

impl From<authz::Admin> for Actor {
    fn from(admin: authz::Admin) -> Self {
        Actor::Person {
            user_id: admin.user_id,
            organization_id: admin.organization_id,
            role: Role::Admin,
        }
    }
}

impl From<authz::Inviter> for Actor {
    fn from(inviter: authz::Inviter) -> Self {
        Actor::Person {
            user_id: inviter.user_id,
            organization_id: inviter.organization_id,
            role: inviter.role,
        }
    }
}

impl Actor {
    /// The signed-in person of a session.
    pub fn of(who: &signed_in::SignedIn) -> Self {
        Actor::Person {
            user_id: who.user_id,
            organization_id: who.organization_id,
            role: who.role,
        }
    }
}

/// Where the request came from. The session id is kept only as a SHA-256
/// hash: enough to tie events of one session together, useless to resume
/// it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub session_hash: Option<String>,
    pub request_id: Option<String>,
}

impl From<&ClientInfo> for Origin {
    fn from(client: &ClientInfo) -> Self {
        Origin {
            ip: client.ip.map(|ip| ip.to_string()),
            user_agent: client
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(300).collect()),
            session_hash: client.session_hash.clone(),
            request_id: client.request_id.clone(),
        }
    }
}

/// Structured detail. Keys are fixed names in the code and values come only
/// from types that cannot carry free text (ids, numbers, flags, fixed
/// words), so no name, note, password or token can end up in the trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details(BTreeMap<String, String>);

/// A value that may go into [`Details`].
pub trait DetailValue {
    fn detail(&self) -> String;
}

/// Ids, numbers and flags: shown as they print.
macro_rules! printed_detail {
    ($($ty:ty),+) => {$(
        impl DetailValue for $ty {
            fn detail(&self) -> String {
                self.to_string()
            }
        }
    )+};
}

printed_detail!(Uuid, i64, u32, bool);

impl DetailValue for Role {
    fn detail(&self) -> String {
        self.as_str().to_owned()
    }
}

/// A time zone: a name from the zone database, never text as typed.
impl DetailValue for crate::backend::dates::Zone {
    fn detail(&self) -> String {
        self.name().to_owned()
    }
}

/// Fixed words from the code (`&'static str`), never text from a request.
impl DetailValue for &'static str {
    fn detail(&self) -> String {
        (*self).to_owned()
    }
}

impl Details {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: &'static str, value: impl DetailValue) -> Self {
        self.0.insert(key.to_owned(), value.detail());
        self
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// One event, as the code that acts describes it.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    pub actor: Actor,
    pub origin: Origin,
    /// What was acted on: a kind ("patient", "user", "note") and its id.
    pub resource: Option<(&'static str, String)>,
    /// The patient the event concerns, for the per-patient view and the
    /// patient's own "who accessed my record".
    pub patient_id: Option<Uuid>,
    /// The account the event concerns (the one signing in, invited, reset).
    pub subject_user_id: Option<Uuid>,
    /// Why, where someone gave a reason (break-the-glass) or a refusal has
    /// one; fixed wording or the person's own justification, never PHI.
    pub reason: Option<String>,
    pub details: Details,
}

impl Event {
    pub fn new(action: AuditAction, outcome: AuditOutcome, actor: Actor, origin: Origin) -> Self {
        Event {
            action,
            outcome,
            actor,
            origin,
            resource: None,
            patient_id: None,
            subject_user_id: None,
            reason: None,
            details: Details::new(),
        }
    }

    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn on(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.resource = Some((kind, id.to_string()));
        self
    }

    pub fn about_user(mut self, user_id: Uuid) -> Self {
        self.subject_user_id = Some(user_id);
        self
    }

    pub fn about_patient(mut self, patient_id: Uuid) -> Self {
        self.patient_id = Some(patient_id);
        self
    }

    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn details(mut self, details: Details) -> Self {
        self.details = details;
        self
    }
}

/// Asks the policy (`check`, e.g. `Admin::check`) whether `who` may do
/// `asked` (an endpoint). A refusal is recorded in the trail before it is
/// returned, so probing shows up in the access review: every caller that
/// authorizes through here cannot forget to record it.
pub async fn authorize<P>(
    conn: &mut AsyncPgConnection,
    who: &signed_in::SignedIn,
    asked: &'static str,
    check: fn(&signed_in::SignedIn) -> Result<P, AppError>,
    client: &ClientInfo,
) -> Result<P, AppError> {
    let refused = match check(who) {
        Err(AppError::Forbidden) => AppError::Forbidden,
        decided => return decided,
    };
    tracing::warn!(user.id = %who.user_id, asked, "access denied");
    let event = Event::new(
        AuditAction::AccessDenied,
        AuditOutcome::Denied,
        Actor::of(who),
        Origin::from(client),
    )
    .on("endpoint", asked);
    record(conn, event).await?;
    Err(refused)
}

/// Appends `event` to the trail; answers its id. Call it inside the
/// transaction of the action it records (it then commits or rolls back with
/// that action); on its own it runs in a transaction of its own. A lane's
/// lock is held until that transaction ends, so its writers queue, never
/// fork: call it as late in the transaction as the action allows.
pub async fn record(conn: &mut AsyncPgConnection, event: Event) -> Result<i64, AppError> {
    // One event appended always has an id.
    joined(conn, std::slice::from_ref(&event))
        .await?
        .ok_or(AppError::Internal)
}

/// Appends `events` in order, in one lane under one turn of its lock (a
/// page that lists many records records one event for each).
pub async fn record_all(conn: &mut AsyncPgConnection, events: &[Event]) -> Result<(), AppError> {
    joined(conn, events).await.map(drop)
}

/// Appends `events` in the caller's transaction, or in one of their own
/// when there is none; answers the last one's id.
async fn joined(conn: &mut AsyncPgConnection, events: &[Event]) -> Result<Option<i64>, AppError> {
    if events.iter().any(|e| e.outcome == AuditOutcome::Denied) {
        super::refusals::noted();
    }
    let started = std::time::Instant::now();
    let appended = if in_transaction(conn) {
        append_all(conn, events).await
    } else {
        conn.transaction(async |conn| append_all(conn, events).await)
            .await
    };
    if appended.is_ok() {
        crate::backend::metrics::audit_appended(
            events
                .iter()
                .map(|e| (e.action.as_str(), e.outcome.as_str())),
            started.elapsed(),
        );
    }
    appended
}

async fn append_all(
    conn: &mut AsyncPgConnection,
    events: &[Event],
) -> Result<Option<i64>, AppError> {
    let mut head = lock_head(conn).await?;
    let mut last = None;
    for event in events {
        let (id, hash) = append(conn, head, event).await?;
        head.hash = hash;
        last = Some(id);
    }
    Ok(last)
}

/// Whether `conn` is inside a transaction already. The append then joins
/// it directly: a savepoint around it (what a nested `transaction` makes)
/// would cost two round trips and buy nothing, since a failed append fails
/// the action it records anyway.
fn in_transaction(conn: &mut AsyncPgConnection) -> bool {
    use diesel_async::{AnsiTransactionManager, TransactionManager};
    matches!(
        AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    )
}

/// Where the next event goes: a lane, locked, and its newest hash.
#[derive(Debug, Clone, Copy)]
struct Head {
    lane: i16,
    hash: [u8; 32],
}

/// Takes a lane's lock (until the transaction ends) and reads its head.
/// The first free lane, lowest first, so a quiet trail is one chain; when
/// all are busy, waits for one (this connection's, spreading the waiters).
async fn lock_head(conn: &mut AsyncPgConnection) -> Result<Head, AppError> {
    use diesel::sql_types::{Integer, SmallInt};
    let free: Option<i16> = TakeFreeLane.get_result(conn).await.optional()?;
    let lane = match free {
        Some(lane) => lane,
        None => {
            // Rare (every lane busy), so plain SQL, prepared each time.
            #[derive(QueryableByName)]
            struct Lane {
                #[diesel(sql_type = SmallInt)]
                lane: i16,
            }
            diesel::sql_query(
                "SELECT mine.lane FROM (SELECT (pg_backend_pid() % $2)::smallint AS lane) AS mine, \
                 pg_advisory_xact_lock($1, mine.lane)",
            )
            .bind::<Integer, _>(CHAIN_LOCK_CLASS)
            .bind::<Integer, _>(LANE_COUNT)
            .get_result::<Lane>(conn)
            .await?
            .lane
        }
    };
    // Read after taking the lock, in a statement of its own: under READ
    // COMMITTED it sees the head the lane's previous writer committed.
    let hash = LaneHead { lane }
        .get_result::<Vec<u8>>(conn)
        .await
        .optional()?
        .map(|hash| hash.try_into().map_err(|_| AppError::Internal))
        .transpose()?
        .unwrap_or(GENESIS);
    Ok(Head { lane, hash })
}

// The two statements every append runs, written as query types (not
// `sql_query`) so each connection prepares them once: a `sql_query` is
// prepared, parsed and planned anew on every call, an extra round trip.

/// Takes the first lane whose lock is free, lowest first; answers no row
/// when all are held. `pg_try_advisory_xact_lock` never waits.
#[derive(Debug, Clone, Copy, QueryId)]
struct TakeFreeLane;

impl diesel::query_builder::Query for TakeFreeLane {
    type SqlType = diesel::sql_types::SmallInt;
}

impl QueryFragment<Pg> for TakeFreeLane {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::Integer;
        out.push_sql("SELECT lane::smallint FROM generate_series(0, ");
        out.push_bind_param::<Integer, _>(&LANE_COUNT)?;
        out.push_sql(" - 1) AS lane WHERE pg_try_advisory_xact_lock(");
        out.push_bind_param::<Integer, _>(&CHAIN_LOCK_CLASS)?;
        out.push_sql(", lane) LIMIT 1");
        Ok(())
    }
}

/// A lane's newest hash. The limit is written out, not bound: with
/// `LIMIT $n` the prepared statement's generic plan may scan and sort the
/// whole lane (it cannot know the limit is 1), and the lane's writers
/// would wait while it does.
#[derive(Debug, Clone, Copy, QueryId)]
struct LaneHead {
    lane: i16,
}

impl diesel::query_builder::Query for LaneHead {
    type SqlType = diesel::sql_types::Bytea;
}

impl QueryFragment<Pg> for LaneHead {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT hash FROM audit_events WHERE lane = ");
        out.push_bind_param::<diesel::sql_types::SmallInt, _>(&self.lane)?;
        out.push_sql(" ORDER BY id DESC LIMIT 1");
        Ok(())
    }
}

/// Appends `event` after `head` (under its lane's lock); answers its id
/// and its hash, the lane's new head.
async fn append(
    conn: &mut AsyncPgConnection,
    head: Head,
    event: &Event,
) -> Result<(i64, [u8; 32]), AppError> {
    let prev = head.hash;
    let now = OffsetDateTime::now_utc();
    // PostgreSQL keeps microseconds: hash exactly what is stored.
    let micros =
        i64::try_from(now.unix_timestamp_nanos() / 1000).map_err(|_| AppError::Internal)?;
    let occurred_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .map_err(|_| AppError::Internal)?;
    let (organization_id, actor_id, actor_role) = match event.actor {
        Actor::Person {
            user_id,
            organization_id,
            role,
        } => (Some(organization_id), Some(user_id), Some(role.as_str())),
        Actor::Account(user_id) => {
            let (organization_id, role): (Uuid, Role) = users::table
                .find(user_id)
                .select((users::organization_id, users::role))
                .first(conn)
                .await?;
            (Some(organization_id), Some(user_id), Some(role.as_str()))
        }
        Actor::Anonymous { organization_id } => (organization_id, None, None),
    };
    let resource_type = event.resource.as_ref().map(|(kind, _)| *kind);
    let resource_id = event.resource.as_ref().map(|(_, id)| id.as_str());
    let hash = chain::link(
        &prev,
        &Covered {
            occurred_at_micros: micros,
            organization_id,
            actor_id,
            actor_role,
            client_ip: event.origin.ip.as_deref(),
            user_agent: event.origin.user_agent.as_deref(),
            session_hash: event.origin.session_hash.as_deref(),
            request_id: event.origin.request_id.as_deref(),
            action: event.action.as_str(),
            resource_type,
            resource_id,
            patient_id: event.patient_id,
            subject_user_id: event.subject_user_id,
            outcome: event.outcome.as_str(),
            reason: event.reason.as_deref(),
            details: event.details.as_map(),
        },
    );
    let details = serde_json::to_value(event.details.as_map()).map_err(|_| AppError::Internal)?;
    let id = diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(occurred_at),
            audit_events::organization_id.eq(organization_id),
            audit_events::actor_id.eq(actor_id),
            audit_events::actor_role.eq(actor_role),
            audit_events::client_ip.eq(&event.origin.ip),
            audit_events::user_agent.eq(&event.origin.user_agent),
            audit_events::session_hash.eq(&event.origin.session_hash),
            audit_events::request_id.eq(&event.origin.request_id),
            audit_events::action.eq(event.action),
            audit_events::resource_type.eq(resource_type),
            audit_events::resource_id.eq(resource_id),
            audit_events::patient_id.eq(event.patient_id),
            audit_events::subject_user_id.eq(event.subject_user_id),
            audit_events::outcome.eq(event.outcome),
            audit_events::reason.eq(&event.reason),
            audit_events::details.eq(details),
            audit_events::prev_hash.eq(prev.as_slice()),
            audit_events::hash.eq(hash.as_slice()),
            audit_events::lane.eq(head.lane),
        ))
        .returning(audit_events::id)
        .get_result(conn)
        .await?;
    Ok((id, hash))
}
