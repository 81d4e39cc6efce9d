//! Recomputing the chain: every event's hash from its contents and the hash
//! before it in its lane, in id order, reporting the first place it breaks.

use super::chain::{self, Covered, GENESIS};
use super::checkpoint::Checkpoint;
use crate::{backend::db::schema::audit_events, error::AppError};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows read per query.
const BATCH: i64 = 5_000;

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Events read.
    pub events: i64,
    /// The last event: id and hash.
    pub head: Option<(i64, [u8; 32])>,
    /// The last event of each lane that has any (what a checkpoint signs).
    pub heads: Vec<(i64, [u8; 32])>,
    /// The first problem, if any (reading stops there).
    pub problem: Option<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Where the chain breaks, exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("event {id}: its contents do not match its hash (the event was altered)")]
    Altered { id: i64 },
    #[error(
        "event {id}: its link does not match the hash of {}",
        match after { Some(prev) => format!("event {prev} before it in its lane (events between them are missing, or one was altered and rehashed)"), None => "the start of the trail (events before it are missing)".to_owned() }
    )]
    Broken { id: i64, after: Option<i64> },
    #[error("event {id}: stored details are not a flat object of strings")]
    Unreadable { id: i64 },
    #[error(
        "checkpoint at event {id}: no such event any more (the trail was truncated or rewritten)"
    )]
    CheckpointMissing { id: i64 },
    #[error(
        "checkpoint at event {id}: the event's hash differs from the one signed (the trail was rewritten)"
    )]
    CheckpointDiffers { id: i64 },
}

/// An event as stored: everything its hash covers, and the hashes.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
struct Stored {
    id: i64,
    occurred_at: OffsetDateTime,
    organization_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor_role: Option<String>,
    client_ip: Option<String>,
    user_agent: Option<String>,
    session_hash: Option<String>,
    request_id: Option<String>,
    action: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    patient_id: Option<Uuid>,
    subject_user_id: Option<Uuid>,
    outcome: String,
    reason: Option<String>,
    details: serde_json::Value,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    lane: i16,
}

/// Recomputes every lane of the chain, in one snapshot of the trail (a
/// lane's writer commits before the next takes its lock, so a snapshot
/// holds a whole prefix of every lane, whatever the others are doing), and
/// checks each signed checkpoint's event still carries the signed hash.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    checkpoints: &[Checkpoint],
) -> Result<Report, AppError> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| walk(conn, checkpoints).await)
        .await
}

async fn walk(
    conn: &mut AsyncPgConnection,
    checkpoints: &[Checkpoint],
) -> Result<Report, AppError> {
    let mut report = Report {
        events: 0,
        head: None,
        heads: Vec::new(),
        problem: None,
    };
    // Each lane's last event read: (id, hash).
    let mut lanes: BTreeMap<i16, (i64, [u8; 32])> = BTreeMap::new();
    let mut pending: BTreeMap<i64, [u8; 32]> = checkpoints.iter().map(|c| (c.id, c.hash)).collect();
    'reading: loop {
        let rows: Vec<Stored> = audit_events::table
            .filter(audit_events::id.gt(report.head.map_or(0, |(id, _)| id)))
            .order(audit_events::id.asc())
            .limit(BATCH)
            .select(Stored::as_select())
            .load(conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let id = row.id;
            report.events += 1;
            if let Some(problem) = check(&row, lanes.get(&row.lane).copied()) {
                report.problem = Some(problem);
                break 'reading;
            }
            let hash: [u8; 32] = row.hash.as_slice().try_into().unwrap_or_default();
            if pending.remove(&id).is_some_and(|signed| signed != hash) {
                report.problem = Some(Problem::CheckpointDiffers { id });
                break 'reading;
            }
            lanes.insert(row.lane, (id, hash));
            report.head = Some((id, hash));
        }
    }
    report.heads = lanes.into_values().collect();
    if report.problem.is_none()
        && let Some((&id, _)) = pending.iter().next()
    {
        report.problem = Some(Problem::CheckpointMissing { id });
    }
    Ok(report)
}

/// The problem with `row`, if any, given its lane's last event before it.
fn check(row: &Stored, before: Option<(i64, [u8; 32])>) -> Option<Problem> {
    let id = row.id;
    let expected_prev = before.map_or(GENESIS, |(_, hash)| hash);
    if row.prev_hash.as_slice() != expected_prev {
        return Some(Problem::Broken {
            id,
            after: before.map(|(id, _)| id),
        });
    }
    let Ok(details) = serde_json::from_value::<BTreeMap<String, String>>(row.details.clone())
    else {
        return Some(Problem::Unreadable { id });
    };
    let micros = i64::try_from(row.occurred_at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MIN);
    let computed = chain::link(
        &expected_prev,
        &Covered {
            occurred_at_micros: micros,
            organization_id: row.organization_id,
            actor_id: row.actor_id,
            actor_role: row.actor_role.as_deref(),
            client_ip: row.client_ip.as_deref(),
            user_agent: row.user_agent.as_deref(),
            session_hash: row.session_hash.as_deref(),
            request_id: row.request_id.as_deref(),
            action: &row.action,
            resource_type: row.resource_type.as_deref(),
            resource_id: row.resource_id.as_deref(),
            patient_id: row.patient_id,
            subject_user_id: row.subject_user_id,
            outcome: &row.outcome,
            reason: row.reason.as_deref(),
            details: &details,
        },
    );
    (computed.as_slice() != row.hash.as_slice()).then_some(Problem::Altered { id })
}

/// Keeps the outcome for the dashboard's "last verified".
pub async fn remember(conn: &mut AsyncPgConnection, report: &Report) -> Result<(), AppError> {
    use crate::backend::db::schema::audit_verifications;
    diesel::insert_into(audit_verifications::table)
        .values((
            audit_verifications::events.eq(report.events),
            audit_verifications::ok.eq(report.ok()),
            audit_verifications::problem.eq(report.problem.as_ref().map(ToString::to_string)),
            audit_verifications::head_id.eq(report.head.map(|(id, _)| id)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The last verification (by the command or the dashboard) and the newest
/// event's id.
pub async fn status(
    conn: &mut AsyncPgConnection,
    zone: &crate::backend::dates::Zone,
) -> Result<crate::model::audit::ChainStatus, AppError> {
    use crate::{
        backend::db::schema::{audit_events, audit_verifications},
        model::audit::{ChainCheck, ChainStatus},
    };
    let last: Option<(time::OffsetDateTime, i64, bool, Option<String>)> =
        audit_verifications::table
            .order(audit_verifications::id.desc())
            .select((
                audit_verifications::verified_at,
                audit_verifications::events,
                audit_verifications::ok,
                audit_verifications::problem,
            ))
            .first(conn)
            .await
            .optional()?;
    let newest: Option<i64> = audit_events::table
        .select(diesel::dsl::max(audit_events::id))
        .first(conn)
        .await?;
    Ok(ChainStatus {
        last: last.map(|(at, events, intact, problem)| ChainCheck {
            at: zone.second(at),
            intact,
            events,
            problem,
        }),
        newest_id: newest.unwrap_or(0),
    })
}
