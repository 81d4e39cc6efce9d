//! The trail counted by quarter hour, for the access review's overview.
//! The alert watcher adds each event it reads, in the same pass (so each
//! is counted once, and only once however many instances run), and the
//! overview reads a few hundred counts instead of every event of the
//! period. Events the watcher has not read yet (the last few seconds) are
//! counted from the trail itself, so the overview is never behind.
//!
//! A quarter hour, because every time zone's offset is a whole number of
//! quarter hours: the practice's hours and days are whole quarters.

use crate::{
    backend::{
        dates::Zone,
        db::schema::{alert_watch, audit_tally},
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The span of one count.
const QUARTER_SECS: i64 = 15 * 60;
/// How long counts are kept: the overview's longest period, and a day.
pub const KEPT: Duration = Duration::days(31);

/// An event as counted.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub organization_id: Uuid,
    pub at: OffsetDateTime,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// Kept only for record views (the overview's most frequent viewers):
    /// other counts need no person, and stay few.
    pub actor: Option<Uuid>,
}

/// The start of the quarter hour holding `at`.
fn quarter(at: OffsetDateTime) -> OffsetDateTime {
    let secs = at.unix_timestamp();
    let start = secs - secs.rem_euclid(QUARTER_SECS);
    OffsetDateTime::from_unix_timestamp(start).unwrap_or(at)
}

/// Adds `events` to the counts (in the caller's transaction), and forgets
/// counts older than [`KEPT`].
pub async fn add(conn: &mut AsyncPgConnection, events: &[Counted]) -> Result<(), AppError> {
    let mut sums: HashMap<
        (
            Uuid,
            OffsetDateTime,
            AuditAction,
            AuditOutcome,
            Option<Uuid>,
        ),
        i64,
    > = HashMap::new();
    for event in events {
        let actor = event
            .actor
            .filter(|_| event.action == AuditAction::RecordViewed);
        let key = (
            event.organization_id,
            quarter(event.at),
            event.action,
            event.outcome,
            actor,
        );
        *sums.entry(key).or_insert(0) += 1;
    }
    if !sums.is_empty() {
        let rows: Vec<_> = sums
            .into_iter()
            .map(|((org, at, action, outcome, actor), n)| {
                (
                    audit_tally::organization_id.eq(org),
                    audit_tally::quarter.eq(at),
                    audit_tally::action.eq(action),
                    audit_tally::outcome.eq(outcome),
                    audit_tally::actor_id.eq(actor),
                    audit_tally::events.eq(n),
                )
            })
            .collect();
        diesel::insert_into(audit_tally::table)
            .values(rows)
            .on_conflict((
                audit_tally::organization_id,
                audit_tally::quarter,
                audit_tally::action,
                audit_tally::outcome,
                audit_tally::actor_id,
            ))
            .do_update()
            .set(audit_tally::events.eq(audit_tally::events + excluded(audit_tally::events)))
            .execute(conn)
            .await?;
    }
    diesel::delete(
        audit_tally::table.filter(audit_tally::quarter.lt(OffsetDateTime::now_utc() - KEPT)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Events of one kind within one bucket of the overview.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Bucketed {
    /// The hour ("YYYY-MM-DD HH:00") or day ("YYYY-MM-DD") in the
    /// practice's zone.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub action: AuditAction,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub outcome: AuditOutcome,
    /// Who, for record views.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub actor_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub events: i64,
}

/// The practice's events since `since` (from the start of its quarter
/// hour), by hour or day in `zone`, kind and (for record views) person:
/// the counts kept, and the events the watcher has not read yet.
pub async fn since(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    since: OffsetDateTime,
    hourly: bool,
    zone: &Zone,
) -> Result<Vec<Bucketed>, AppError> {
    use diesel::sql_types::{BigInt, Timestamptz, Uuid as SqlUuid};
    // The zone's name is one the zone database knows, checked again to
    // hold only a name's characters before it is written into the
    // statement.
    let (unit, format) = if hourly {
        ("hour", "YYYY-MM-DD HH24:00")
    } else {
        ("day", "YYYY-MM-DD")
    };
    let statement = format!(
        "SELECT to_char(date_trunc('{unit}', at AT TIME ZONE '{zone}'), '{format}') AS label, \
                action, outcome, actor_id, sum(events)::int8 AS events \
         FROM ( \
             SELECT quarter AS at, action, outcome, actor_id, events \
               FROM audit_tally WHERE organization_id = $1 AND quarter >= $2 \
             UNION ALL \
             SELECT occurred_at, action, outcome, \
                    CASE WHEN action = 'record.viewed' THEN actor_id END, 1 \
               FROM audit_events \
              WHERE organization_id = $1 AND occurred_at >= $2 \
                AND id > $3 \
         ) AS counted \
         GROUP BY 1, 2, 3, 4",
        zone = zone.sql_name(),
    );
    // Read first, so the planner sees the number: the unread tail is a
    // few rows at the end of the id index.
    let through: i64 = alert_watch::table
        .select(alert_watch::through_event_id)
        .first(conn)
        .await?;
    Ok(diesel::sql_query(statement)
        .bind::<SqlUuid, _>(organization_id)
        .bind::<Timestamptz, _>(quarter(since))
        .bind::<BigInt, _>(through)
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_starts_on_the_quarter_hour() {
        let at = time::macros::datetime!(2026-12-07 21:44:59.9 UTC);
        assert_eq!(quarter(at), time::macros::datetime!(2026-12-07 21:30 UTC));
        let on = time::macros::datetime!(2026-12-07 21:45 UTC);
        assert_eq!(quarter(on), on);
    }
}
