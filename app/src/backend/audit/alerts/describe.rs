//! What an alert says: its name, its one line, and the access log filter
//! that shows its events, from its episode and the practice's people.

use super::rules::Episode;
use crate::backend::dates::Zone;
use crate::model::audit::{Alert, AlertKind, AuditAction, AuditOutcome, AuditQuery, PersonRef};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// An alert's name: its kind and its first event, so it keeps its name
/// while an attack goes on.
pub(super) fn key_of(kind: AlertKind, first_event_id: i64) -> String {
    format!("{}:{}", kind.as_str(), first_event_id)
}

/// The alert a rule's episode makes: its words and the log filter that
/// shows its events.
pub(super) fn describe(
    kind: AlertKind,
    episode: &Episode,
    people: &BTreeMap<Uuid, PersonRef>,
    zone: &Zone,
) -> Alert {
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
    let concerning = match kind {
        AlertKind::FailedSignInsFromIp | AlertKind::ManyCharts => None,
        _ => person(first.patient.or(first.subject)),
    };
    let ip = match kind {
        AlertKind::FailedSignInsFromIp => first.ip.clone(),
        _ => None,
    };
    // The log's filter takes the practice's days.
    let day = |at: OffsetDateTime| crate::backend::dates::day(zone.date_of(at));
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
    let summary = match kind {
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
                episode.patients.len(),
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
        AlertKind::AccountLocked => {
            evidence.action = AuditAction::AccountLockedOut.as_str().to_owned();
            evidence.patient = first.subject.map(|id| id.to_string()).unwrap_or_default();
            format!(
                "The account of {} was locked after failed sign-ins, {}",
                name(&concerning),
                times(episode.events)
            )
        }
        AlertKind::AuditVerificationFailed => {
            evidence.action = AuditAction::AuditVerified.as_str().to_owned();
            format!(
                "The audit trail failed verification: {}",
                first.resource.as_deref().unwrap_or("no reason was kept")
            )
        }
    };
    Alert {
        key: key_of(kind, first.id),
        kind,
        summary,
        first_at: zone.second(first.at),
        last_at: zone.second(episode.last_at),
        events: i64::try_from(episode.events).unwrap_or(i64::MAX),
        peak: i64::try_from(episode.peak).unwrap_or(i64::MAX),
        actor,
        concerning,
        ip,
        // Sealed: read for the page by `emergency::reasons`, not here.
        reason: None,
        emergency_access: match kind {
            AlertKind::EmergencyAccess => first.resource.as_deref().and_then(|r| r.parse().ok()),
            _ => None,
        },
        evidence,
        last_event_id: episode.last_id,
        review: None,
    }
}
