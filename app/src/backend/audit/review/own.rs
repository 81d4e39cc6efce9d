//! A person's own accounting: what staff did with their record and their
//! account, as the person may see it. Their own actions (but the copies
//! of their record they took, which they account for too), anything
//! without a person behind it, and refusals are left out; so are addresses,
//! devices and sessions. Two views of the same events: by day and person
//! (what a patient reads first), and every event (paged).

use super::practice_staff;
use crate::{
    backend::{dates::Zone, db::schema::audit_events},
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, EVENTS_PAGE, RecordAccess},
    },
};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Date as SqlDate, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Days (with something on them) on one page of the history by day.
pub const HISTORY_DAYS: i64 = 14;

/// Staff's accesses to a person's `record` (their chart, when they are a
/// patient) and to their `account`, newest first, older than event
/// `before` when given: a page of [`EVENTS_PAGE`].
pub async fn accesses_to(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    record: Option<Uuid>,
    organization_id: Uuid,
    before: Option<i64>,
    zone: &Zone,
) -> Result<Vec<RecordAccess>, AppError> {
    // A person without a record has nothing under a patient id; the nil id
    // names no row.
    let record = record.unwrap_or(Uuid::nil());
    let events: Vec<(i64, OffsetDateTime, Option<Uuid>, AuditAction)> = audit_events::table
        .filter(audit_events::organization_id.eq(organization_id))
        .filter(
            audit_events::patient_id
                .eq(record)
                .or(audit_events::subject_user_id.eq(account)),
        )
        .filter(audit_events::actor_id.is_not_null())
        .filter(
            audit_events::actor_id
                .ne(account)
                .or(audit_events::action.eq(AuditAction::RecordExported)),
        )
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .filter(audit_events::id.lt(before.unwrap_or(i64::MAX)))
        .order(audit_events::id.desc())
        .limit(i64::try_from(EVENTS_PAGE).unwrap_or(i64::MAX))
        .select((
            audit_events::id,
            audit_events::occurred_at,
            audit_events::actor_id,
            audit_events::action,
        ))
        .load(conn)
        .await?;
    let people = practice_staff(conn, organization_id).await?;
    Ok(events
        .into_iter()
        .filter_map(|(id, at, actor, action)| {
            let (who, role) = named(&people, actor?, account)?;
            Some(RecordAccess {
                id,
                at: zone.second(at),
                who,
                role,
                what: action.describe().to_owned(),
            })
        })
        .collect())
}

/// What one member of staff did of one kind on one day.
#[derive(Debug, QueryableByName)]
pub struct Grouped {
    #[diesel(sql_type = SqlDate)]
    pub day: Date,
    #[diesel(sql_type = SqlUuid)]
    pub actor: Uuid,
    #[diesel(sql_type = Text)]
    pub action: AuditAction,
    #[diesel(sql_type = BigInt)]
    pub times: i64,
    #[diesel(sql_type = Timestamptz)]
    pub last: OffsetDateTime,
    /// Whether any of them happened under emergency access.
    #[diesel(sql_type = Bool)]
    pub in_emergency: bool,
}

/// The same events as [`accesses_to`], counted by the practice's day, person and
/// kind, for the [`HISTORY_DAYS`] latest days before day `before` that
/// have any; newest day first, and within a day the latest first. Also
/// the day the next page starts before, when there are older days. Staff
/// names come with it.
pub async fn history(
    conn: &mut AsyncPgConnection,
    account: Uuid,
    record: Option<Uuid>,
    organization_id: Uuid,
    before: Option<Date>,
    zone: &Zone,
) -> Result<(Vec<(Grouped, String, Role)>, Option<Date>), AppError> {
    let record = record.unwrap_or(Uuid::nil());
    // Grouped in the database: a busy day holds hundreds of views, and
    // the page needs their count, not them.
    let mut rows: Vec<Grouped> = diesel::sql_query(
        "WITH mine AS ( \
             SELECT (occurred_at AT TIME ZONE $7)::date AS day, occurred_at, actor_id, action, reason \
             FROM audit_events \
             WHERE organization_id = $1 AND (patient_id = $2 OR subject_user_id = $3) \
               AND actor_id IS NOT NULL AND (actor_id <> $3 OR action = $8) AND outcome = $4 \
               AND ($5::date IS NULL OR occurred_at < ($5::date)::timestamp AT TIME ZONE $7) \
         ), days AS ( \
             SELECT DISTINCT day FROM mine ORDER BY day DESC LIMIT $6 \
         ) \
         SELECT day, actor_id AS actor, action, count(*) AS times, max(occurred_at) AS last, \
                coalesce(bool_or(reason = 'emergency access'), false) AS in_emergency \
         FROM mine WHERE day IN (SELECT day FROM days) \
         GROUP BY day, actor_id, action \
         ORDER BY day DESC, last DESC",
    )
    .bind::<SqlUuid, _>(organization_id)
    .bind::<SqlUuid, _>(record)
    .bind::<SqlUuid, _>(account)
    .bind::<Text, _>(AuditOutcome::Allowed.as_str())
    .bind::<diesel::sql_types::Nullable<SqlDate>, _>(before)
    .bind::<BigInt, _>(HISTORY_DAYS + 1)
    .bind::<Text, _>(zone.name())
    .bind::<Text, _>(AuditAction::RecordExported.as_str())
    .load(conn)
    .await?;
    // One day more than a page was asked for, to know whether there is an
    // older page; its rows are not shown.
    let mut days: Vec<Date> = rows.iter().map(|row| row.day).collect();
    days.dedup();
    let earlier = if days.len() > usize::try_from(HISTORY_DAYS).unwrap_or(usize::MAX) {
        days.iter().rev().nth(1).copied()
    } else {
        None
    };
    if let Some(oldest_shown) = earlier {
        rows.retain(|row| row.day >= oldest_shown);
    }
    let people = practice_staff(conn, organization_id).await?;
    Ok((
        rows.into_iter()
            .filter_map(|row| {
                let (name, role) = named(&people, row.actor, account)?;
                Some((row, name, role))
            })
            .collect(),
        earlier,
    ))
}

/// Who did it, as the person reads it: a member of staff by name, the
/// person themself as "You" (a copy of their record they took).
fn named(
    people: &std::collections::BTreeMap<Uuid, super::PersonRef>,
    actor: Uuid,
    account: Uuid,
) -> Option<(String, Role)> {
    if actor == account {
        return Some(("You".to_owned(), Role::Patient));
    }
    people.get(&actor).map(|who| (who.name.clone(), who.role))
}
