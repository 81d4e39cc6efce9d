//! Reading the trail, for the people who review it: the access log
//! (filtered, newest first, keyset-paginated), its overview, the CSV
//! export, and each patient's own accounting of who accessed their record.
//!
//! Every read is scoped to one practice. Administrators reach these only
//! with an [`Admin`] proof; a patient only for themselves.

mod export;
mod filter;
mod overview;
mod own;

pub use export::{export_csv, record_review};
pub use filter::{Filter, filter};
pub use overview::overview;
pub use own::{Grouped, HISTORY_DAYS, accesses_to, history};

use crate::{
    backend::{
        dates::Zone,
        db::schema::{audit_events, patients, users},
        identity::{account_identity, authz::Admin},
        vault::Vault,
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, AuditPage, AuditRow, PersonRef},
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows on one page of the access log.
pub const PAGE_SIZE: i64 = 50;
/// Rows in one CSV export (a larger one asks for a narrower filter).
pub const EXPORT_LIMIT: i64 = 100_000;
/// The longest range a filter may span.
const LONGEST_RANGE_DAYS: i64 = 7 * 366;

/// The columns a row of the log is read from.
type Stored = (
    i64,
    OffsetDateTime,
    Option<Uuid>,
    AuditAction,
    AuditOutcome,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    serde_json::Value,
);

/// The events `filter` selects in the practice, newest first: at most
/// `limit`, older than `filter.before`.
async fn select(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Stored>, AppError> {
    let mut query = audit_events::table
        .filter(audit_events::organization_id.eq(organization_id))
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(until));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(subject) = filter.subject {
        query = query.filter(
            audit_events::patient_id
                .eq(subject)
                .or(audit_events::subject_user_id.eq(subject)),
        );
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(audit_events::outcome.eq(outcome));
    }
    if let Some(ip) = &filter.ip {
        query = query.filter(audit_events::client_ip.eq(ip.clone()));
    }
    if let Some(before) = filter.before {
        // Keyset: rows after the cursor in (occurred_at, id) order. The
        // first condition lets the index start at the cursor.
        let at: Option<OffsetDateTime> = audit_events::table
            .find(before)
            .select(audit_events::occurred_at)
            .first(conn)
            .await
            .optional()?;
        let Some(at) = at else {
            return Ok(Vec::new());
        };
        query = query.filter(audit_events::occurred_at.le(at)).filter(
            audit_events::occurred_at
                .lt(at)
                .or(audit_events::id.lt(before)),
        );
    }
    Ok(query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select((
            audit_events::id,
            audit_events::occurred_at,
            audit_events::actor_id,
            audit_events::action,
            audit_events::outcome,
            audit_events::patient_id,
            audit_events::subject_user_id,
            audit_events::resource_type,
            audit_events::resource_id,
            audit_events::client_ip,
            audit_events::user_agent,
            audit_events::session_hash,
            audit_events::request_id,
            audit_events::reason,
            audit_events::details,
        ))
        .load(conn)
        .await?)
}

/// One page of the access log.
pub async fn page(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    filter: &Filter,
    zone: &Zone,
) -> Result<AuditPage, AppError> {
    let mut stored = select(conn, admin.organization_id, filter, PAGE_SIZE + 1).await?;
    let more = stored.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    stored.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let people = practice_people(conn, vault, admin.organization_id).await?;
    let rows = rows(stored, &people, |at| zone.second(at));
    Ok(AuditPage {
        next_before: if more {
            rows.last().map(|r| r.id)
        } else {
            None
        },
        rows,
    })
}

/// The practice's staff by id (their names are never sealed): for a
/// patient's own access history, where only staff act.
async fn practice_staff(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<BTreeMap<Uuid, PersonRef>, AppError> {
    let staff: Vec<(Uuid, String, Role)> = users::table
        .filter(users::organization_id.eq(organization_id))
        .filter(users::role.ne(Role::Patient))
        .select((users::id, account_identity::staff_name(), users::role))
        .load(conn)
        .await?;
    Ok(staff
        .into_iter()
        .map(|(id, name, role)| (id, PersonRef { id, name, role }))
        .collect())
}

/// Everyone in the practice, and patients' records, by id: for an
/// administrator's review of the trail. Patients' names are sealed: each
/// is opened once, here.
pub(crate) async fn practice_people(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
) -> Result<BTreeMap<Uuid, PersonRef>, AppError> {
    let accounts: Vec<(account_identity::Stored, Role, Option<Uuid>)> = users::table
        .left_join(patients::table.on(patients::user_id.eq(users::id.nullable())))
        .filter(users::organization_id.eq(organization_id))
        .select((
            account_identity::Stored::as_select(),
            users::role,
            patients::id.nullable(),
        ))
        .load(conn)
        .await?;
    let mut people = BTreeMap::new();
    for (stored, role, record) in accounts {
        let name = account_identity::open(conn, vault, &stored)
            .await?
            .display_name;
        // Patients' records are named after their portal account (a name
        // administrators see on People anyway), so events about a chart
        // read as whose it is. A record without an account stays an id.
        if let Some(record) = record {
            let person = PersonRef {
                id: record,
                name: name.clone(),
                role: Role::Patient,
            };
            people.insert(record, person);
        }
        let id = stored.id;
        people.insert(id, PersonRef { id, name, role });
    }
    Ok(people)
}

/// The log's rows, each time written by `when` (the practice's zone on a
/// page, UTC in a file).
fn rows(
    stored: Vec<Stored>,
    people: &BTreeMap<Uuid, PersonRef>,
    when: impl Fn(time::OffsetDateTime) -> String,
) -> Vec<AuditRow> {
    stored
        .into_iter()
        .map(
            |(
                id,
                at,
                actor,
                action,
                outcome,
                patient,
                subject,
                resource_type,
                resource_id,
                ip,
                user_agent,
                session,
                request_id,
                reason,
                details,
            )| AuditRow {
                id,
                at: when(at),
                actor: actor.and_then(|id| people.get(&id).cloned()),
                action,
                outcome,
                subjects: [patient, subject.filter(|s| Some(*s) != patient)]
                    .into_iter()
                    .flatten()
                    .filter_map(|id| people.get(&id).cloned())
                    .collect(),
                resource: resource_type.zip(resource_id),
                ip,
                user_agent,
                session: session.map(|hash| hash.chars().take(12).collect()),
                request_id,
                reason,
                details: details
                    .as_object()
                    .map(|map| {
                        map.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        )
        .collect()
}
