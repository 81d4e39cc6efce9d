//! The access review (administrators) and "who accessed my record"
//! (everyone, about themselves). Reading the log is itself recorded; so is
//! verifying the chain. The CSV export is a plain download route in the
//! server (`server/src/http/audit_export.rs`) over the same functions.

use crate::{
    error::AppError,
    model::audit::{
        AccessHistory, AlertList, AuditOverview, AuditPage, AuditQuery, ChainStatus, RecordAccess,
    },
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// One page of the access log for the filters in `query`.
#[server(prefix = "/api", endpoint = "audit-log", input = GetUrl)]
pub async fn get_audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::{
        backend::{audit::review, identity::authz::Admin},
        model::audit::AuditAction,
    };
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-log", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    let filter = review::filter(&mut conn, admin, &query, &zone).await?;
    let page = review::page(&mut conn, &state.vault, admin, &filter, &zone).await?;
    review::record_review(
        &mut conn,
        admin,
        AuditAction::AuditViewed,
        &filter,
        page.rows.len(),
        &client,
    )
    .await?;
    Ok(page)
}

/// Counts and charts for the last `period` ("24h", "7d" or "30d").
#[server(prefix = "/api", endpoint = "audit-overview", input = GetUrl)]
pub async fn get_audit_overview(period: String) -> Result<AuditOverview, AppError> {
    use crate::backend::{audit::review, identity::authz::Admin};
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-overview", Admin::check).await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    review::overview(&mut conn, &state.vault, admin, &period, &zone).await
}

/// When the chain was last verified, and what was found.
#[server(prefix = "/api", endpoint = "audit-chain", input = GetUrl)]
pub async fn get_chain_status() -> Result<ChainStatus, AppError> {
    use crate::backend::{audit::verify, identity::authz::Admin};
    let (_, who) = super::signed_in().await?;
    super::authorize(&who, "audit-chain", Admin::check).await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let zone = state.zones.of(&mut conn, who.organization_id).await?;
    verify::status(&mut conn, &zone).await
}

/// Recomputes the whole chain now, keeps the result, and answers the new
/// status.
#[server(prefix = "/api", endpoint = "audit-verify")]
pub async fn verify_audit_chain(csrf_token: String) -> Result<ChainStatus, AppError> {
    use crate::{
        backend::{
            audit::{self, Actor, Details, Event, Origin, verify},
            identity::authz::Admin,
        },
        model::audit::{AuditAction, AuditOutcome},
    };
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-verify", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    let mut conn = state.db.conn().await?;
    let report = verify::verify(&mut conn, &[]).await?;
    verify::remember(&mut conn, &report).await?;
    let outcome = if report.ok() {
        AuditOutcome::Allowed
    } else {
        AuditOutcome::Error
    };
    let event = Event::new(
        AuditAction::AuditVerified,
        outcome,
        Actor::from(admin),
        Origin::from(&client),
    )
    .details(
        Details::new()
            .with("events", report.events)
            .with("intact", report.ok()),
    );
    audit::record(&mut conn, event).await?;
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    verify::status(&mut conn, &zone).await
}

/// The alerts of the last 30 days, open ones first.
#[server(prefix = "/api", endpoint = "audit-alerts", input = GetUrl)]
pub async fn get_audit_alerts() -> Result<AlertList, AppError> {
    use crate::backend::{audit::alerts, identity::authz::Admin, records::emergency_reasons};
    const ENDPOINT: &str = "audit-alerts";
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, ENDPOINT, Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    let mut list = alerts::list(&mut conn, &state.vault, admin, state.alerts, &zone).await?;
    // Emergency reasons are sealed with their patients' keys: read (and
    // recorded) for the alerts listed.
    let ids: Vec<uuid::Uuid> = list
        .alerts
        .iter()
        .filter_map(|a| a.emergency_access)
        .collect();
    let caller = crate::backend::records::access::Caller::new(who, client, ENDPOINT);
    let reasons = emergency_reasons::read(&mut conn, &state.vault, &admin, &caller, &ids).await?;
    for alert in &mut list.alerts {
        alert.reason = alert
            .emergency_access
            .and_then(|id| reasons.get(&id).cloned());
    }
    Ok(list)
}

/// Marks alert `alert` reviewed through event `through` (the newest one
/// the reviewer was shown), with an optional note. Recorded in the trail.
#[server(prefix = "/api", endpoint = "audit-alert-review")]
pub async fn review_alert(
    csrf_token: String,
    alert: String,
    through: i64,
    note: String,
) -> Result<(), AppError> {
    use crate::backend::{audit::alerts, identity::authz::Admin};
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-alert-review", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    alerts::mark_reviewed(
        &mut conn,
        &state.vault,
        admin,
        alerts::Review {
            alert: &alert,
            through,
            note: &note,
        },
        &client,
    )
    .await
}

/// Staff's accesses to the signed-in person's record and account, every
/// event, newest first: a page, older than event `before` when given.
#[server(prefix = "/api", endpoint = "my-record-access", input = GetUrl)]
pub async fn get_my_record_access(
    #[server(default)] before: Option<i64>,
) -> Result<Vec<RecordAccess>, AppError> {
    use crate::backend::{audit::review, records::patients};
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let record = patients::of_user(&mut conn, who.user_id, who.organization_id).await?;
    let zone = state.zones.of(&mut conn, who.organization_id).await?;
    review::accesses_to(
        &mut conn,
        who.user_id,
        record,
        who.organization_id,
        before,
        &zone,
    )
    .await
}

/// The same accesses by day and person, in plain words, with each
/// emergency access and its reason: what a patient reads first. A page of
/// days before day `before` (`YYYY-MM-DD`) when given.
#[server(prefix = "/api", endpoint = "my-access-history", input = GetUrl)]
pub async fn get_my_access_history(
    #[server(default)] before: String,
) -> Result<AccessHistory, AppError> {
    use super::context::Request;
    use crate::{
        backend::{
            audit::review,
            dates::{day, parse_day},
            records::{access::Reach, emergency_reasons, patients},
        },
        error::FieldErrors,
        model::audit::AuditAction,
    };
    let before = match before.trim() {
        "" => None,
        typed => Some(parse_day(typed).ok_or_else(|| {
            let mut errors = FieldErrors::new();
            errors.add("before", "That is not a day (YYYY-MM-DD).");
            AppError::Invalid(errors)
        })?),
    };
    let request = Request::anyone("my-access-history").await?;
    let (user_id, organization_id) = (request.who().user_id, request.who().organization_id);
    let zone = request.zone().await?;
    let (record, (rows, earlier)) = {
        let mut conn = request.conn().await?;
        let record = patients::of_user(&mut conn, user_id, organization_id).await?;
        let found =
            review::history(&mut conn, user_id, record, organization_id, before, &zone).await?;
        (record, found)
    };
    // The reasons given for emergency access are the patient's to read;
    // they are sealed with the patient's key, so reading them opens the
    // record (recorded, like any read of it).
    let broke_glass = rows
        .iter()
        .any(|(row, ..)| row.action == AuditAction::EmergencyAccess);
    let emergencies = match (record, rows.last()) {
        (Some(patient_id), Some((oldest, ..))) if broke_glass => {
            let from = zone.start_of(oldest.day);
            let until = before.map(|day| zone.start_of(day));
            let grant = request.decide(patient_id, Reach::OwnRecord).await?;
            request
                .read(grant, AuditAction::RecordViewed, |conn, vault, access| {
                    Box::pin(async move {
                        emergency_reasons::of_own_record(conn, vault, access, from, until).await
                    })
                })
                .await?
        }
        _ => Vec::new(),
    };
    Ok(AccessHistory {
        days: by_day(rows, emergencies, &zone),
        earlier: earlier.map(day),
        time_zone: zone.name().to_owned(),
    })
}

/// The history's rows (newest day first, latest first within it) as days
/// of people, each emergency access under the person and day it started.
#[cfg(feature = "ssr")]
fn by_day(
    rows: Vec<(
        crate::backend::audit::review::Grouped,
        String,
        crate::model::Role,
    )>,
    emergencies: Vec<crate::backend::records::emergency_reasons::OwnEmergency>,
    zone: &crate::backend::dates::Zone,
) -> Vec<crate::model::audit::AccessDay> {
    use crate::{
        backend::dates::long_day,
        model::audit::{AccessDay, EmergencyUse, PersonDay},
    };
    let mut days: Vec<(time::Date, AccessDay, Vec<uuid::Uuid>)> = Vec::new();
    for (row, who, role) in rows {
        if days.last().is_none_or(|(day, ..)| *day != row.day) {
            let heading = long_day(row.day);
            days.push((
                row.day,
                AccessDay {
                    day: heading,
                    people: Vec::new(),
                },
                Vec::new(),
            ));
        }
        let Some((_, day, actors)) = days.last_mut() else {
            continue;
        };
        let index = match actors.iter().position(|actor| *actor == row.actor) {
            Some(index) => index,
            None => {
                actors.push(row.actor);
                day.people.push(PersonDay {
                    who,
                    role,
                    did: Vec::new(),
                    emergencies: Vec::new(),
                    in_emergency: false,
                });
                day.people.len() - 1
            }
        };
        if let Some(person) = day.people.get_mut(index) {
            person
                .did
                .push((row.action, u32::try_from(row.times).unwrap_or(u32::MAX)));
            person.in_emergency |= row.in_emergency;
        }
    }
    for emergency in emergencies {
        let started = zone.date_of(emergency.started_at);
        let Some((_, day, actors)) = days.iter_mut().find(|(day, ..)| *day == started) else {
            continue;
        };
        let Some(person) = actors
            .iter()
            .position(|actor| *actor == emergency.user_id)
            .and_then(|index| day.people.get_mut(index))
        else {
            continue;
        };
        person.emergencies.push(EmergencyUse {
            at: zone.clock(emergency.started_at),
            until: zone.clock(emergency.expires_at),
            reason: emergency.reason,
        });
    }
    days.into_iter().map(|(_, day, _)| day).collect()
}
