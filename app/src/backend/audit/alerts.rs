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

use super::{Actor, Details, Event, Origin};
use crate::backend::dates::utc;
use crate::{
    backend::{
        authz::Admin,
        client::ClientInfo,
        db::schema::{audit_alert_reviews, audit_events, users},
        vault::{Sealed, Vault, columns},
    },
    error::{AppError, FieldErrors},
    model::audit::{
        Alert, AlertKind, AlertList, AlertReview, AuditAction, AuditOutcome, AuditQuery, PersonRef,
    },
};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::{BTreeMap, HashMap};
use time::{Duration, OffsetDateTime, macros::format_description};
use uuid::Uuid;

/// How far back alerts are computed. Older episodes stay in the access log.
pub const DAYS: i64 = 30;
/// Open and reviewed alerts listed at most (the newest).
pub const LISTED_OPEN: usize = 100;
pub const LISTED_REVIEWED: usize = 50;
/// The longest note a reviewer may leave.
pub const NOTE_MAX_CHARS: usize = 500;
const FAILURE_WINDOW: Duration = Duration::minutes(5);
const CHART_WINDOW: Duration = Duration::HOUR;

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

/// Actions on a chart: a refused one is an alert.
const CHART_ACTIONS: &[AuditAction] = &[
    AuditAction::RecordViewed,
    AuditAction::RecordListed,
    AuditAction::RecordCreated,
    AuditAction::RecordUpdated,
    AuditAction::RecordSigned,
    AuditAction::RecordExported,
    AuditAction::RecordDeleted,
    AuditAction::EmergencyAccess,
    AuditAction::AccessDenied,
];

/// An event as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: i64,
    at: OffsetDateTime,
    action: AuditAction,
    actor: Option<Uuid>,
    patient: Option<Uuid>,
    subject: Option<Uuid>,
    ip: Option<String>,
    /// What was acted on (an emergency access's id, for its start).
    resource: Option<String>,
}

/// What one kind of alert watches and when it fires.
struct Rule {
    kind: AlertKind,
    /// Events further apart than this start a new episode; the threshold is
    /// counted within one such window.
    window: Duration,
    threshold: usize,
    /// Count distinct patients rather than events.
    distinct_patients: bool,
    /// The episode key of an event; `None` leaves the event out.
    key: fn(&Seen) -> Option<String>,
}

/// A run of events with one key, none further than the window from the one
/// before.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Episode {
    first: Seen,
    last_id: i64,
    last_at: OffsetDateTime,
    events: usize,
    /// Distinct patients over the whole episode.
    patients: usize,
    /// The most in any one window.
    peak: usize,
}

fn by_ip(e: &Seen) -> Option<String> {
    e.ip.clone()
}

fn by_account(e: &Seen) -> Option<String> {
    e.subject.map(|id| id.to_string())
}

fn by_actor(e: &Seen) -> Option<String> {
    e.actor.map(|id| id.to_string())
}

fn by_actor_and_patient(e: &Seen) -> Option<String> {
    let actor = e.actor.map(|id| id.to_string()).unwrap_or_default();
    e.patient.map(|patient| format!("{actor}/{patient}"))
}

/// Groups `events` by the rule's key into episodes and keeps those that
/// reach the threshold.
fn episodes(mut events: Vec<(String, Seen)>, rule: &Rule) -> Vec<Episode> {
    events.sort_by(|(ka, a), (kb, b)| (ka, a.at, a.id).cmp(&(kb, b.at, b.id)));
    let mut found = Vec::new();
    let mut start = 0;
    for end in 1..=events.len() {
        let splits = end == events.len() || {
            let (key, this) = &events[end];
            let (prev_key, prev) = &events[end - 1];
            key != prev_key || this.at - prev.at > rule.window
        };
        if !splits {
            continue;
        }
        let collected: Vec<&Seen> = events[start..end].iter().map(|(_, e)| e).collect();
        let run: &[&Seen] = &collected;
        start = end;
        let peak = peak(run, rule);
        if peak < rule.threshold {
            continue;
        }
        let mut patients: Vec<Uuid> = run.iter().filter_map(|e| e.patient).collect();
        patients.sort_unstable();
        patients.dedup();
        // A slice, not the Vec: on a Vec, diesel's `first` would shadow it.
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            continue;
        };
        found.push(Episode {
            first: (*first).clone(),
            last_id: run.iter().map(|e| e.id).max().unwrap_or(last.id),
            last_at: last.at,
            events: run.len(),
            patients: patients.len(),
            peak,
        });
    }
    found
}

/// The most events (or distinct patients) within any one window of `run`,
/// which is in time order.
fn peak(run: &[&Seen], rule: &Rule) -> usize {
    let mut in_window: HashMap<Option<Uuid>, usize> = HashMap::new();
    let mut left = 0;
    let mut best = 0;
    for (right, event) in run.iter().enumerate() {
        *in_window.entry(event.patient).or_default() += 1;
        while event.at - run[left].at > rule.window {
            if let Some(n) = in_window.get_mut(&run[left].patient) {
                *n -= 1;
                if *n == 0 {
                    in_window.remove(&run[left].patient);
                }
            }
            left += 1;
        }
        let count = if rule.distinct_patients {
            in_window.keys().filter(|p| p.is_some()).count()
        } else {
            right + 1 - left
        };
        best = best.max(count);
    }
    best
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
) -> Result<AlertList, AppError> {
    // A page that lists thousands of alerts helps no one: the newest open
    // and reviewed ones, and a count of the rest (their events are in the
    // log, and they can still be reviewed).
    let (mut alerts, mut reviewed): (Vec<Alert>, Vec<Alert>) = every_alert(conn, admin, policy)
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
    admin: Admin,
    policy: AlertPolicy,
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
    let people = super::review::practice_people(conn, org).await?;
    let reviews = reviews(conn, org).await?;
    let mut alerts: Vec<Alert> = Vec::new();
    for (rule, events) in &rules {
        let keyed = events
            .iter()
            .filter_map(|e| (rule.key)(e).map(|key| (key, e.clone())))
            .collect();
        for episode in episodes(keyed, rule) {
            let mut alert = describe(rule, &episode, &people);
            alert.review = reviews
                .get(&alert.key)
                .filter(|(through, _)| *through >= alert.last_event_id)
                .map(|(_, review)| review.clone());
            alerts.push(alert);
        }
    }
    // Open first; newest activity first within each.
    alerts.sort_by(|a, b| {
        (a.review.is_some(), &b.last_at, b.last_event_id).cmp(&(
            b.review.is_some(),
            &a.last_at,
            a.last_event_id,
        ))
    });
    Ok(alerts)
}

/// The alert a rule's episode makes: its words and the log filter that
/// shows its events.
fn describe(rule: &Rule, episode: &Episode, people: &BTreeMap<Uuid, PersonRef>) -> Alert {
    let first = &episode.first;
    let person = |id: Option<Uuid>| id.and_then(|id| people.get(&id).cloned());
    let name = |p: &Option<PersonRef>| {
        p.as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "Someone not signed in".to_owned())
    };
    let actor = person(first.actor);
    // Only what holds for the whole episode is named: an address may try
    // many accounts, an account be tried from many addresses, and many
    // charts concern many patients.
    let concerning = match rule.kind {
        AlertKind::FailedSignInsFromIp | AlertKind::ManyCharts => None,
        _ => person(first.patient.or(first.subject)),
    };
    let ip = match rule.kind {
        AlertKind::FailedSignInsFromIp => first.ip.clone(),
        _ => None,
    };
    let day = |at: OffsetDateTime| {
        at.format(format_description!("[year]-[month]-[day]"))
            .unwrap_or_default()
    };
    let mut evidence = AuditQuery {
        from: day(first.at),
        to: day(episode.last_at),
        ..AuditQuery::default()
    };
    let times = |n: usize| {
        if n == 1 {
            "once".to_owned()
        } else {
            format!("{n} times")
        }
    };
    let summary = match rule.kind {
        AlertKind::FailedSignInsFromIp => {
            evidence.action = AuditAction::SignInFailed.as_str().to_owned();
            evidence.ip = first.ip.clone().unwrap_or_default();
            format!(
                "{} failed sign-ins from {} ({} within 5 minutes)",
                episode.events,
                first.ip.as_deref().unwrap_or("an unknown address"),
                episode.peak
            )
        }
        AlertKind::FailedSignInsForAccount => {
            evidence.action = AuditAction::SignInFailed.as_str().to_owned();
            evidence.patient = first.subject.map(|id| id.to_string()).unwrap_or_default();
            format!(
                "{} failed sign-ins for {} ({} within 5 minutes)",
                episode.events,
                name(&concerning),
                episode.peak
            )
        }
        AlertKind::ManyCharts => {
            evidence.action = AuditAction::RecordViewed.as_str().to_owned();
            evidence.actor = first.actor.map(|id| id.to_string()).unwrap_or_default();
            format!(
                "{} opened {} different patients' charts ({} within one hour)",
                name(&actor),
                episode.patients,
                episode.peak
            )
        }
        AlertKind::EmergencyAccess => {
            evidence.action = AuditAction::EmergencyAccess.as_str().to_owned();
            evidence.actor = first.actor.map(|id| id.to_string()).unwrap_or_default();
            evidence.patient = first.patient.map(|id| id.to_string()).unwrap_or_default();
            format!(
                "Emergency access by {} to the chart of {}",
                name(&actor),
                name(&concerning)
            )
        }
        AlertKind::DeniedChart => {
            evidence.outcome = AuditOutcome::Denied.as_str().to_owned();
            evidence.actor = first.actor.map(|id| id.to_string()).unwrap_or_default();
            evidence.patient = first.patient.map(|id| id.to_string()).unwrap_or_default();
            format!(
                "{} was refused the chart of {}, {}",
                name(&actor),
                name(&concerning),
                times(episode.events)
            )
        }
    };
    Alert {
        key: format!("{}:{}", rule.kind.as_str(), first.id),
        kind: rule.kind,
        summary,
        first_at: utc(first.at),
        last_at: utc(episode.last_at),
        events: i64::try_from(episode.events).unwrap_or(i64::MAX),
        peak: i64::try_from(episode.peak).unwrap_or(i64::MAX),
        actor,
        concerning,
        ip,
        // Sealed: read for the page by `emergency::reasons`, not here.
        reason: None,
        emergency_access: match rule.kind {
            AlertKind::EmergencyAccess => first.resource.as_deref().and_then(|r| r.parse().ok()),
            _ => None,
        },
        evidence,
        last_event_id: episode.last_id,
        review: None,
    }
}

/// The practice's reviews by alert key: (events covered, the review).
async fn reviews(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<HashMap<String, (i64, AlertReview)>, AppError> {
    let rows: Vec<(String, i64, String, OffsetDateTime, Option<String>)> =
        audit_alert_reviews::table
            .inner_join(users::table)
            .filter(audit_alert_reviews::organization_id.eq(organization_id))
            .select((
                audit_alert_reviews::alert_key,
                audit_alert_reviews::through_event_id,
                users::display_name,
                audit_alert_reviews::reviewed_at,
                audit_alert_reviews::note,
            ))
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(key, through, by, at, note)| {
            (
                key,
                (
                    through,
                    AlertReview {
                        by,
                        at: utc(at),
                        note,
                    },
                ),
            )
        })
        .collect())
}

/// Opens the sealed notes of the reviewed `alerts` (with the practice's
/// key, on the administrator's proof). A note that does not open says so
/// instead of disappearing.
async fn open_notes(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    alerts: &mut [Alert],
) -> Result<(), AppError> {
    let keys: Vec<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    let sealed: Vec<(String, Uuid, Vec<u8>)> = audit_alert_reviews::table
        .filter(audit_alert_reviews::organization_id.eq(admin.organization_id))
        .filter(audit_alert_reviews::alert_key.eq_any(keys))
        .filter(audit_alert_reviews::note_sealed.is_not_null())
        .select((
            audit_alert_reviews::alert_key,
            audit_alert_reviews::id,
            audit_alert_reviews::note_sealed.assume_not_null(),
        ))
        .load(conn)
        .await?;
    for (key, id, bytes) in sealed {
        let Some(review) = alerts
            .iter_mut()
            .find(|a| a.key == key)
            .and_then(|a| a.review.as_mut())
        else {
            continue;
        };
        let opened = Sealed::<String>::from_stored(bytes)
            .open_for_practice(vault, conn, &admin, columns::ALERT_REVIEW_NOTE, id)
            .await;
        review.note = Some(match opened {
            Ok(note) => note.expose().clone(),
            Err(why) => {
                tracing::error!(review.id = %id, %why, "an alert review's note did not open");
                UNREADABLE_NOTE.to_owned()
            }
        });
    }
    Ok(())
}

/// What a note that does not open reads as.
const UNREADABLE_NOTE: &str =
    "(This note cannot be read. Please contact your practice's administrator.)";

/// Marks alert `key` reviewed through event `through` (the newest event the
/// reviewer was shown), with an optional note; the review is recorded in the
/// trail in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn mark_reviewed(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    policy: AlertPolicy,
    key: &str,
    through: i64,
    note: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.add(
            "note",
            format!("Keep the note to {NOTE_MAX_CHARS} characters or fewer."),
        );
    }
    let alert = every_alert(conn, admin, policy)
        .await?
        .into_iter()
        .find(|a| a.key == key && through > 0 && through <= a.last_event_id);
    let Some(alert) = alert else {
        errors.add(
            "alert",
            "This alert has changed or is no longer listed. Reload the page and review it again.",
        );
        return Err(AppError::Invalid(errors));
    };
    errors.into_result()?;
    let note = (!note.is_empty()).then(|| note.to_owned());
    conn.transaction::<_, AppError, _>(async |conn| {
        // The review's id (kept by an upsert) binds its sealed note.
        let id: Uuid = diesel::insert_into(audit_alert_reviews::table)
            .values((
                audit_alert_reviews::organization_id.eq(admin.organization_id),
                audit_alert_reviews::alert_key.eq(&alert.key),
                audit_alert_reviews::through_event_id.eq(through),
                audit_alert_reviews::reviewed_by.eq(admin.user_id),
                audit_alert_reviews::reviewed_at.eq(OffsetDateTime::now_utc()),
            ))
            .on_conflict((
                audit_alert_reviews::organization_id,
                audit_alert_reviews::alert_key,
            ))
            .do_update()
            .set((
                audit_alert_reviews::through_event_id
                    .eq(excluded(audit_alert_reviews::through_event_id)),
                audit_alert_reviews::reviewed_by.eq(excluded(audit_alert_reviews::reviewed_by)),
                audit_alert_reviews::reviewed_at.eq(excluded(audit_alert_reviews::reviewed_at)),
            ))
            .returning(audit_alert_reviews::id)
            .get_result(conn)
            .await?;
        let sealed = match &note {
            Some(note) => Some(
                Sealed::seal_for_practice(
                    vault,
                    conn,
                    admin.organization_id,
                    columns::ALERT_REVIEW_NOTE,
                    id,
                    note,
                )
                .await?
                .into_bytes(),
            ),
            None => None,
        };
        // Any note in the clear from before notes were sealed goes too.
        diesel::update(audit_alert_reviews::table.filter(audit_alert_reviews::id.eq(id)))
            .set((
                audit_alert_reviews::note_sealed.eq(sealed),
                audit_alert_reviews::note.eq(None::<String>),
            ))
            .execute(conn)
            .await?;
        // The note stays in the review, out of the trail: it is free text
        // and may name a patient.
        let event = Event::new(
            AuditAction::AlertReviewed,
            AuditOutcome::Allowed,
            Actor::from(admin),
            Origin::from(client),
        )
        .on("audit_alert", &alert.key)
        .details(
            Details::new()
                .with("kind", alert.kind.as_str())
                .with("through_event", through)
                .with("with_note", note.is_some()),
        );
        super::record(conn, event).await.map(drop)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn seen(id: i64, minute: i64, patient: u128) -> Seen {
        Seen {
            id,
            at: datetime!(2026-11-24 09:00 UTC) + Duration::minutes(minute),
            action: AuditAction::RecordViewed,
            actor: Some(Uuid::from_u128(1)),
            patient: (patient != 0).then(|| Uuid::from_u128(patient)),
            subject: None,
            ip: Some("203.0.113.7".to_owned()),
            resource: None,
        }
    }

    fn rule(threshold: usize, window: Duration, distinct_patients: bool) -> Rule {
        Rule {
            kind: AlertKind::FailedSignInsFromIp,
            window,
            threshold,
            distinct_patients,
            key: by_ip,
        }
    }

    fn keyed(events: Vec<Seen>, key: fn(&Seen) -> Option<String>) -> Vec<(String, Seen)> {
        events
            .into_iter()
            .filter_map(|e| key(&e).map(|k| (k, e)))
            .collect()
    }

    #[test]
    fn ten_failures_within_five_minutes_make_one_episode_and_nine_do_not() {
        let ten: Vec<Seen> = (0..10).map(|i| seen(i + 1, i / 2, 0)).collect();
        let found = episodes(keyed(ten.clone(), by_ip), &rule(10, FAILURE_WINDOW, false));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].first.id, 1);
        assert_eq!(found[0].last_id, 10);
        assert_eq!(found[0].peak, 10);
        let nine = ten[..9].to_vec();
        assert!(episodes(keyed(nine, by_ip), &rule(10, FAILURE_WINDOW, false)).is_empty());
    }

    #[test]
    fn failures_spread_thinner_than_the_window_never_reach_the_threshold() {
        // One every four minutes for an hour: one long episode (each within
        // five minutes of the last) whose busiest window holds two.
        let slow: Vec<Seen> = (0..15).map(|i| seen(i + 1, i * 4, 0)).collect();
        assert!(episodes(keyed(slow.clone(), by_ip), &rule(3, FAILURE_WINDOW, false)).is_empty());
        let found = episodes(keyed(slow, by_ip), &rule(2, FAILURE_WINDOW, false));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].events, 15);
        assert_eq!(found[0].peak, 2);
    }

    #[test]
    fn a_quiet_gap_longer_than_the_window_starts_a_new_episode() {
        let mut events: Vec<Seen> = (0..3).map(|i| seen(i + 1, i, 0)).collect();
        events.extend((0..3).map(|i| seen(i + 10, 30 + i, 0)));
        let found = episodes(keyed(events, by_ip), &rule(3, FAILURE_WINDOW, false));
        assert_eq!(
            found.iter().map(|e| e.first.id).collect::<Vec<_>>(),
            [1, 10]
        );
    }

    #[test]
    fn keys_are_kept_apart_and_events_without_a_key_are_left_out() {
        let mut events: Vec<Seen> = (0..3).map(|i| seen(i + 1, i, 0)).collect();
        for (i, e) in events.iter_mut().enumerate() {
            e.ip = Some(format!("203.0.113.{i}"));
        }
        events.push(Seen {
            ip: None,
            ..seen(9, 1, 0)
        });
        assert!(episodes(keyed(events, by_ip), &rule(2, FAILURE_WINDOW, false)).is_empty());
    }

    #[test]
    fn charts_count_distinct_patients_within_the_hour() {
        // Patient 2 opened many times counts once.
        let events = vec![
            seen(1, 0, 2),
            seen(2, 5, 2),
            seen(3, 10, 2),
            seen(4, 20, 3),
            seen(5, 50, 4),
            // At minute 70 the window holds minutes 10 to 70: patients 2 to 5.
            seen(6, 70, 5),
        ];
        let hour = |threshold| rule(threshold, CHART_WINDOW, true);
        let found = episodes(keyed(events.clone(), by_actor), &hour(4));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].peak, 4);
        assert_eq!(found[0].patients, 4);
        assert_eq!(found[0].events, 6);
        assert!(episodes(keyed(events, by_actor), &hour(5)).is_empty());
    }

    #[test]
    fn a_single_event_is_enough_where_the_threshold_is_one() {
        let found = episodes(
            keyed(vec![seen(7, 0, 2)], by_actor_and_patient),
            &rule(1, CHART_WINDOW, false),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].first.id, 7);
    }
}
