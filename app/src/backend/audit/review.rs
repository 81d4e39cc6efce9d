//! Reading the trail, for the people who review it: the access log
//! (filtered, newest first, keyset-paginated), its overview, the CSV
//! export, and each patient's own accounting of who accessed their record.
//!
//! Every read is scoped to one practice. Administrators reach these only
//! with an [`Admin`] proof; a patient only for themselves.

use super::{Actor, Event, Origin};
use crate::{
    backend::{
        authz::Admin,
        client::ClientInfo,
        dates::utc,
        db::schema::{audit_events, patients, users},
    },
    error::{AppError, FieldErrors},
    model::{
        Role,
        audit::{
            AuditAction, AuditOutcome, AuditOverview, AuditPage, AuditQuery, AuditRow, PersonRef,
            RecordAccess,
        },
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime, macros::format_description};
use uuid::Uuid;

/// Rows on one page of the access log.
pub const PAGE_SIZE: i64 = 50;
/// Rows in one CSV export (a larger one asks for a narrower filter).
pub const EXPORT_LIMIT: i64 = 100_000;
/// The longest range a filter may span.
const LONGEST_RANGE_DAYS: i64 = 7 * 366;

/// A checked [`AuditQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub from: Option<OffsetDateTime>,
    /// Exclusive: the start of the day after the "to" date.
    pub until: Option<OffsetDateTime>,
    pub actor: Option<Uuid>,
    /// The patient, or the account acted on.
    pub subject: Option<Uuid>,
    pub action: Option<AuditAction>,
    pub outcome: Option<AuditOutcome>,
    pub ip: Option<String>,
    /// Older than this event.
    pub before: Option<i64>,
}

/// Checks the query's text; each bad value gets a message under its own
/// field name. Ids must name someone in the practice.
pub async fn filter(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    query: &AuditQuery,
) -> Result<Filter, AppError> {
    let mut errors = FieldErrors::new();
    let from = day(&mut errors, "from", &query.from);
    let to = day(&mut errors, "to", &query.to);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.add("to", "The end date is before the start date.");
        } else if (to - from).whole_days() > LONGEST_RANGE_DAYS {
            errors.add("to", "Choose a range of at most seven years.");
        }
    }
    let actor = person(conn, admin, &mut errors, "actor", &query.actor).await?;
    let subject = person(conn, admin, &mut errors, "patient", &query.patient).await?;
    let action = known(
        &mut errors,
        "action",
        &query.action,
        "Choose an action from the list.",
    );
    let outcome = known(
        &mut errors,
        "outcome",
        &query.outcome,
        "Choose an outcome from the list.",
    );
    let ip = match query.ip.trim() {
        "" => None,
        ip => match ip.parse::<std::net::IpAddr>() {
            Ok(ip) => Some(ip.to_string()),
            Err(_) => {
                errors.add(
                    "ip",
                    "Enter an IP address, like 203.0.113.7 or 2001:db8::1.",
                );
                None
            }
        },
    };
    let before = match query.before.trim() {
        "" => None,
        before => match before.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.add(
                    "before",
                    "This page link is not valid. Start again from the first page.",
                );
                None
            }
        },
    };
    errors.into_result()?;
    Ok(Filter {
        from: from.map(|d| d.midnight().assume_utc()),
        until: to.map(|d| d.midnight().assume_utc() + Duration::DAY),
        actor,
        subject,
        action,
        outcome,
        ip,
        before,
    })
}

fn day(errors: &mut FieldErrors, field: &'static str, text: &str) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = Date::parse(text, format_description!("[year]-[month]-[day]"));
    match parsed {
        Ok(date) if (2000..=2200).contains(&date.year()) => Some(date),
        _ => {
            errors.add(field, "Enter a date as YYYY-MM-DD, like 2026-11-24.");
            None
        }
    }
}

fn known<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &'static str,
    text: &str,
    message: &'static str,
) -> Option<T> {
    match text.trim() {
        "" => None,
        text => text.parse().ok().or_else(|| {
            errors.add(field, message);
            None
        }),
    }
}

async fn person(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    errors: &mut FieldErrors,
    field: &'static str,
    text: &str,
) -> Result<Option<Uuid>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let Ok(id) = text.parse::<Uuid>() else {
        errors.add(field, "Choose a person from the list.");
        return Ok(None);
    };
    let found = users::table
        .filter(users::id.eq(id))
        .filter(users::organization_id.eq(admin.organization_id))
        .select(users::id)
        .first::<Uuid>(conn)
        .await
        .optional()?;
    if found.is_none() {
        errors.add(field, "No one with this id is in this practice.");
    }
    Ok(found)
}

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
    admin: Admin,
    filter: &Filter,
) -> Result<AuditPage, AppError> {
    let mut stored = select(conn, admin.organization_id, filter, PAGE_SIZE + 1).await?;
    let more = stored.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    stored.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let people = practice_people(conn, admin.organization_id).await?;
    let rows = rows(stored, &people);
    Ok(AuditPage {
        next_before: if more {
            rows.last().map(|r| r.id)
        } else {
            None
        },
        rows,
    })
}

/// Everyone in the practice, by id, sorted by name when listed.
pub(super) async fn practice_people(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<BTreeMap<Uuid, PersonRef>, AppError> {
    let people: Vec<(Uuid, String, Role)> = users::table
        .filter(users::organization_id.eq(organization_id))
        .order(users::display_name)
        .select((users::id, users::display_name, users::role))
        .load(conn)
        .await?;
    // Patients' records are named after their portal account (a name
    // administrators see on People anyway), so events about a chart read
    // as whose it is. A record without an account stays an id.
    let records: Vec<(Uuid, String)> = patients::table
        .inner_join(users::table.on(patients::user_id.eq(users::id.nullable())))
        .filter(patients::organization_id.eq(organization_id))
        .select((patients::id, users::display_name))
        .load(conn)
        .await?;
    let records = records
        .into_iter()
        .map(|(id, name)| (id, name, Role::Patient));
    Ok(people
        .into_iter()
        .chain(records)
        .map(|(id, name, role)| (id, PersonRef { id, name, role }))
        .collect())
}

fn rows(stored: Vec<Stored>, people: &BTreeMap<Uuid, PersonRef>) -> Vec<AuditRow> {
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
                at: utc(at),
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

/// The export: every event `filter` selects (up to [`EXPORT_LIMIT`]) as
/// CSV, and how many there were. The caller records the export.
pub async fn export_csv(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    filter: &Filter,
) -> Result<(String, usize), AppError> {
    let stored = select(conn, admin.organization_id, filter, EXPORT_LIMIT).await?;
    let people = practice_people(conn, admin.organization_id).await?;
    let rows = rows(stored, &people);
    let mut out = String::from(
        "id,time_utc,actor,actor_role,action,outcome,concerning,resource,ip,user_agent,session,request_id,reason,details\n",
    );
    for row in &rows {
        let person = |p: &Option<PersonRef>| p.as_ref().map(|p| p.name.clone()).unwrap_or_default();
        let details: Vec<String> = row
            .details
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cells = [
            row.id.to_string(),
            row.at.clone(),
            person(&row.actor),
            row.actor
                .as_ref()
                .map(|p| p.role.as_str().to_owned())
                .unwrap_or_default(),
            row.action.as_str().to_owned(),
            row.outcome.as_str().to_owned(),
            row.subjects
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            row.resource
                .as_ref()
                .map(|(k, id)| format!("{k}:{id}"))
                .unwrap_or_default(),
            row.ip.clone().unwrap_or_default(),
            row.user_agent.clone().unwrap_or_default(),
            row.session.clone().unwrap_or_default(),
            row.request_id.clone().unwrap_or_default(),
            row.reason.clone().unwrap_or_default(),
            details.join(" "),
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok((out, rows.len()))
}

/// One CSV cell: quoted when it holds a comma, quote or line break; a
/// leading `=`, `+`, `-` or `@` is defused with `'` so a spreadsheet does
/// not run it as a formula (a user agent is whatever the client sent).
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Records that `admin` exported (or viewed) the log with `filter`; the
/// filter's shape goes in the details, never its free text.
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    action: AuditAction,
    filter: &Filter,
    rows: usize,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut details = super::Details::new()
        .with("rows", i64::try_from(rows).unwrap_or(i64::MAX))
        .with(
            "filtered_by_time",
            filter.from.is_some() || filter.until.is_some(),
        )
        .with("filtered_by_ip", filter.ip.is_some());
    if let Some(action) = filter.action {
        details = details.with("action", action.as_str());
    }
    if let Some(outcome) = filter.outcome {
        details = details.with("outcome", outcome.as_str());
    }
    if let Some(actor) = filter.actor {
        details = details.with("actor", actor);
    }
    let mut event = Event::new(
        action,
        AuditOutcome::Allowed,
        Actor::from(admin),
        Origin::from(client),
    )
    .details(details);
    if let Some(subject) = filter.subject {
        event = event.about_user(subject);
    }
    super::record(conn, event).await.map(drop)
}

/// The overview of `period` ("24h", "7d" or "30d"; anything else is 7d).
pub async fn overview(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    period: &str,
) -> Result<AuditOverview, AppError> {
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::{BigInt, Text};
    let (period, span, bucket) = match period {
        "24h" => ("24h", Duration::HOUR * 24, "hour"),
        "30d" => ("30d", Duration::DAY * 30, "day"),
        _ => ("7d", Duration::DAY * 7, "day"),
    };
    let since = OffsetDateTime::now_utc() - span;
    let in_period = audit_events::organization_id
        .eq(admin.organization_id)
        .and(audit_events::occurred_at.ge(since));
    let counts: Vec<(AuditAction, AuditOutcome, i64)> = audit_events::table
        .filter(in_period)
        .group_by((audit_events::action, audit_events::outcome))
        .select((audit_events::action, audit_events::outcome, count_star()))
        .load(conn)
        .await?;
    let count = |wanted: &[AuditAction], outcome: Option<AuditOutcome>| -> i64 {
        counts
            .iter()
            .filter(|(a, o, _)| wanted.contains(a) && outcome.is_none_or(|x| x == *o))
            .map(|(_, _, n)| n)
            .sum()
    };
    // Buckets: the truncated time as text, so the labels need no parsing.
    let bucket_expr = format!(
        "to_char(date_trunc('{bucket}', occurred_at AT TIME ZONE 'UTC'), '{}')",
        if bucket == "hour" {
            "YYYY-MM-DD HH24:00"
        } else {
            "YYYY-MM-DD"
        }
    );
    let denied_expr = "count(*) FILTER (WHERE outcome <> 'allowed')";
    let allowed_expr = "count(*) FILTER (WHERE outcome = 'allowed')";
    let per_bucket: Vec<(String, i64, i64)> = audit_events::table
        .filter(in_period)
        .group_by(sql::<Text>(&bucket_expr))
        .select((
            sql::<Text>(&bucket_expr),
            sql::<BigInt>(allowed_expr),
            sql::<BigInt>(denied_expr),
        ))
        .load(conn)
        .await?;
    let per_bucket: BTreeMap<String, (i64, i64)> = per_bucket
        .into_iter()
        .map(|(label, allowed, denied)| (label, (allowed, denied)))
        .collect();
    let series = buckets(since, span, bucket == "hour")
        .into_iter()
        .map(|label| {
            let (allowed, denied) = per_bucket.get(&label).copied().unwrap_or_default();
            (label, allowed, denied)
        })
        .collect();
    let viewers: Vec<(Option<Uuid>, i64)> = audit_events::table
        .filter(in_period)
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .group_by(audit_events::actor_id)
        .select((audit_events::actor_id, count_star()))
        .order(count_star().desc())
        .limit(8)
        .load(conn)
        .await?;
    let people = practice_people(conn, admin.organization_id).await?;
    let top_viewers = viewers
        .into_iter()
        .map(|(id, views)| {
            let name = id
                .and_then(|id| people.get(&id))
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "Unknown".to_owned());
            (name, views)
        })
        .collect();
    Ok(AuditOverview {
        period: period.to_owned(),
        sign_ins: count(&[AuditAction::SignInSucceeded], None),
        failed_sign_ins: count(&[AuditAction::SignInFailed], None),
        lockouts: count(&[AuditAction::AccountLockedOut], None),
        record_views: count(&[AuditAction::RecordViewed], None),
        denied: count(AuditAction::ALL, Some(AuditOutcome::Denied)),
        emergency: count(&[AuditAction::EmergencyAccess], None),
        series,
        top_viewers,
    })
}

/// Every bucket label from `since` to now, so quiet hours show as zero.
fn buckets(since: OffsetDateTime, span: Duration, hourly: bool) -> Vec<String> {
    let step = if hourly {
        Duration::HOUR
    } else {
        Duration::DAY
    };
    let mut at = since;
    let end = since + span;
    let mut labels = Vec::new();
    while at <= end {
        let label = if hourly {
            at.format(format_description!("[year]-[month]-[day] [hour]:00"))
        } else {
            at.format(format_description!("[year]-[month]-[day]"))
        };
        labels.push(label.unwrap_or_default());
        at += step;
    }
    labels.dedup();
    labels
}

/// Staff's accesses to a person's `record` (their chart, when they are a
/// patient) and to their `account`, newest first, as the person may see
/// them: who (name and role), when, what kind. Their own actions and
/// anything without a person behind it are left out; so are addresses,
/// devices and sessions.
pub async fn accesses_to(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    record: Option<Uuid>,
    organization_id: Uuid,
) -> Result<Vec<RecordAccess>, AppError> {
    // A person without a record has nothing under a patient id; the nil id
    // names no row.
    let record = record.unwrap_or(Uuid::nil());
    let events: Vec<(OffsetDateTime, Option<Uuid>, AuditAction)> = audit_events::table
        .filter(audit_events::organization_id.eq(organization_id))
        .filter(
            audit_events::patient_id
                .eq(record)
                .or(audit_events::subject_user_id.eq(account)),
        )
        .filter(audit_events::actor_id.is_not_null())
        .filter(audit_events::actor_id.ne(account))
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(500)
        .select((
            audit_events::occurred_at,
            audit_events::actor_id,
            audit_events::action,
        ))
        .load(conn)
        .await?;
    let people = practice_people(conn, organization_id).await?;
    Ok(events
        .into_iter()
        .filter_map(|(at, actor, action)| {
            let who = people.get(&actor?)?;
            Some(RecordAccess {
                at: utc(at),
                who: who.name.clone(),
                role: who.role,
                what: action.describe().to_owned(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn every_hour_of_the_day_has_a_bucket() {
        let since = time::macros::datetime!(2026-11-23 10:30 UTC);
        let labels = buckets(since, Duration::HOUR * 24, true);
        assert_eq!(labels.len(), 25);
        assert_eq!(labels[0], "2026-11-23 10:00");
        assert_eq!(labels[24], "2026-11-24 10:00");
        let days = buckets(since, Duration::DAY * 7, false);
        assert_eq!(days.len(), 8);
    }

    #[test]
    fn dates_must_be_real_and_plausible() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            day(&mut errors, "from", " 2026-11-24 "),
            Some(time::macros::date!(2026 - 11 - 24))
        );
        assert_eq!(day(&mut errors, "from", ""), None);
        assert!(errors.get("from").is_none());
        for bad in ["2026-02-30", "24/11/2026", "9999-01-01", "yesterday"] {
            let mut errors = FieldErrors::new();
            assert_eq!(day(&mut errors, "from", bad), None, "{bad}");
            assert!(errors.get("from").is_some(), "{bad}");
        }
    }
}
