//! Alerts: patterns in the trail an administrator should look at, computed
//! from the events each time they are listed (nothing to keep in step), and
//! the administrators' reviews of them, which are kept and audited.
//!
//! Every kind works the same way. The events a rule watches are grouped by
//! a key (an address, an account, a person, a person and a chart) into
//! *episodes*: runs in which no event is further than the rule's window
//! from the one before. An episode is an alert when, within some one
//! window, it reaches the rule's threshold: 10 failed sign-ins in 5
//! minutes, N distinct charts in an hour, or a single emergency access or
//! refused chart. An alert is named by its kind and its first event, so it
//! keeps its name while an attack goes on; a review covers the events up to
//! the newest one the reviewer saw, and anything later opens it again.

mod reviews;
mod rules;

pub use reviews::{Review, mark_reviewed};

use self::reviews::{open_notes, reviews};
use self::rules::{
    CHART_ACTIONS, CHART_WINDOW, FAILURE_WINDOW, Rule, Seen, by_account, by_actor,
    by_actor_and_patient, by_ip, describe, episodes,
};
use crate::backend::dates::Zone;
use crate::{
    backend::{db::schema::audit_events, identity::authz::Admin, vault::Vault},
    error::AppError,
    model::audit::{Alert, AlertKind, AlertList, AuditAction, AuditOutcome},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How far back alerts are computed. Older episodes stay in the access log.
pub const DAYS: i64 = 30;
/// Open and reviewed alerts listed at most (the newest).
pub const LISTED_OPEN: usize = 100;
pub const LISTED_REVIEWED: usize = 50;
/// The longest note a reviewer may leave.
pub const NOTE_MAX_CHARS: usize = 500;

/// The thresholds (configuration: `CAIRN_ALERT_FAILED_SIGN_INS`,
/// `CAIRN_ALERT_CHARTS_PER_HOUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPolicy {
    /// Failed sign-ins from one address, or for one account, within five
    /// minutes.
    pub failed_sign_ins: u32,
    /// Distinct patients' charts one person opens within an hour.
    pub charts_per_hour: u32,
}

impl AlertPolicy {
    pub const DEFAULT: AlertPolicy = AlertPolicy {
        failed_sign_ins: 10,
        charts_per_hour: 25,
    };
}

/// The columns a rule reads, as loaded.
type Stored = (
    i64,
    OffsetDateTime,
    AuditAction,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
);

/// The practice's events since `since` with one of `actions`; with
/// `outcome`, only those that ended so; with `chart_only`, only those about
/// a patient.
async fn load(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    since: OffsetDateTime,
    actions: &[AuditAction],
    outcome: AuditOutcome,
    chart_only: bool,
) -> Result<Vec<Seen>, AppError> {
    let mut query = audit_events::table
        .filter(audit_events::organization_id.eq(organization_id))
        .filter(audit_events::action.eq_any(actions.to_vec()))
        .filter(audit_events::occurred_at.ge(since))
        .filter(audit_events::outcome.eq(outcome))
        .into_boxed();
    if chart_only {
        query = query.filter(audit_events::patient_id.is_not_null());
    }
    let rows: Vec<Stored> = query
        .select((
            audit_events::id,
            audit_events::occurred_at,
            audit_events::action,
            audit_events::actor_id,
            audit_events::patient_id,
            audit_events::subject_user_id,
            audit_events::client_ip,
            audit_events::resource_id,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at, action, actor, patient, subject, ip, resource)| Seen {
                id,
                at,
                action,
                actor,
                patient,
                subject,
                ip,
                resource,
            },
        )
        .collect())
}

/// Every alert of the last [`DAYS`] days in the practice, open ones first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    policy: AlertPolicy,
    zone: &Zone,
) -> Result<AlertList, AppError> {
    // A page that lists thousands of alerts helps no one: the newest open
    // and reviewed ones, and a count of the rest (their events are in the
    // log, and they can still be reviewed).
    let (mut alerts, mut reviewed): (Vec<Alert>, Vec<Alert>) =
        every_alert(conn, vault, admin, policy, zone)
            .await?
            .into_iter()
            .partition(|a| a.review.is_none());
    let more_open = alerts.len().saturating_sub(LISTED_OPEN);
    alerts.truncate(LISTED_OPEN);
    reviewed.truncate(LISTED_REVIEWED);
    open_notes(conn, vault, admin, &mut reviewed).await?;
    alerts.append(&mut reviewed);
    Ok(AlertList {
        alerts,
        more_open: i64::try_from(more_open).unwrap_or(i64::MAX),
        days: DAYS,
        failed_sign_ins: i64::from(policy.failed_sign_ins),
        charts_per_hour: i64::from(policy.charts_per_hour),
    })
}

/// Every alert of the last [`DAYS`] days, open ones first, each group
/// newest first.
async fn every_alert(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    policy: AlertPolicy,
    zone: &Zone,
) -> Result<Vec<Alert>, AppError> {
    let org = admin.organization_id;
    let since = OffsetDateTime::now_utc() - Duration::days(DAYS);
    let usize_of = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    let failures = load(
        conn,
        org,
        since,
        &[AuditAction::SignInFailed],
        AuditOutcome::Denied,
        false,
    )
    .await?;
    let views = load(
        conn,
        org,
        since,
        &[AuditAction::RecordViewed, AuditAction::EmergencyAccess],
        AuditOutcome::Allowed,
        true,
    )
    .await?;
    // Views under emergency access count as chart views too; only the
    // emergency events themselves raise that alert.
    let emergencies: Vec<Seen> = views
        .iter()
        .filter(|e| e.action == AuditAction::EmergencyAccess)
        .cloned()
        .collect();
    let refused = load(conn, org, since, CHART_ACTIONS, AuditOutcome::Denied, true).await?;
    let rules = [
        (
            Rule {
                kind: AlertKind::FailedSignInsFromIp,
                window: FAILURE_WINDOW,
                threshold: usize_of(policy.failed_sign_ins),
                distinct_patients: false,
                key: by_ip,
            },
            &failures,
        ),
        (
            Rule {
                kind: AlertKind::FailedSignInsForAccount,
                window: FAILURE_WINDOW,
                threshold: usize_of(policy.failed_sign_ins),
                distinct_patients: false,
                key: by_account,
            },
            &failures,
        ),
        (
            Rule {
                kind: AlertKind::ManyCharts,
                window: CHART_WINDOW,
                threshold: usize_of(policy.charts_per_hour),
                distinct_patients: true,
                key: by_actor,
            },
            &views,
        ),
        (
            Rule {
                kind: AlertKind::EmergencyAccess,
                window: CHART_WINDOW,
                threshold: 1,
                distinct_patients: false,
                key: by_actor_and_patient,
            },
            &emergencies,
        ),
        (
            Rule {
                kind: AlertKind::DeniedChart,
                window: CHART_WINDOW,
                threshold: 1,
                distinct_patients: false,
                key: by_actor_and_patient,
            },
            &refused,
        ),
    ];
    let people = super::review::practice_people(conn, vault, org).await?;
    let reviews = reviews(conn, org, zone).await?;
    let mut alerts: Vec<Alert> = Vec::new();
    for (rule, events) in &rules {
        let keyed = events
            .iter()
            .filter_map(|e| (rule.key)(e).map(|key| (key, e.clone())))
            .collect();
        for episode in episodes(keyed, rule) {
            let mut alert = describe(rule, &episode, &people, zone);
            alert.review = reviews
                .get(&alert.key)
                .filter(|(through, _)| *through >= alert.last_event_id)
                .map(|(_, review)| review.clone());
            alerts.push(alert);
        }
    }
    // Open first; newest activity first within each (the trail's ids
    // follow its time; the times are written for people, not sorting).
    alerts.sort_by(|a, b| {
        (a.review.is_some(), b.last_event_id).cmp(&(b.review.is_some(), a.last_event_id))
    });
    Ok(alerts)
}
