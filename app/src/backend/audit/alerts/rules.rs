//! The rule engine of the alerts, pure: events as the rules read them,
//! grouped by a key into episodes, and the episodes that reach a rule's
//! threshold described as alerts. No database here (the parent loads the
//! events and the reviews), so every rule is tested on plain values.

use crate::backend::dates::Zone;
use crate::model::audit::{Alert, AlertKind, AuditAction, AuditOutcome, AuditQuery, PersonRef};
use std::collections::{BTreeMap, HashMap};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub(super) const FAILURE_WINDOW: Duration = Duration::minutes(5);
pub(super) const CHART_WINDOW: Duration = Duration::HOUR;

/// Actions on a chart: a refused one is an alert.
pub(super) const CHART_ACTIONS: &[AuditAction] = &[
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
pub(super) struct Seen {
    pub(super) id: i64,
    pub(super) at: OffsetDateTime,
    pub(super) action: AuditAction,
    pub(super) actor: Option<Uuid>,
    pub(super) patient: Option<Uuid>,
    pub(super) subject: Option<Uuid>,
    pub(super) ip: Option<String>,
    /// What was acted on (an emergency access's id, for its start).
    pub(super) resource: Option<String>,
}

/// What one kind of alert watches and when it fires.
pub(super) struct Rule {
    pub(super) kind: AlertKind,
    /// Events further apart than this start a new episode; the threshold is
    /// counted within one such window.
    pub(super) window: Duration,
    pub(super) threshold: usize,
    /// Count distinct patients rather than events.
    pub(super) distinct_patients: bool,
    /// The episode key of an event; `None` leaves the event out.
    pub(super) key: fn(&Seen) -> Option<String>,
}

/// A run of events with one key, none further than the window from the one
/// before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Episode {
    pub(super) first: Seen,
    pub(super) last_id: i64,
    pub(super) last_at: OffsetDateTime,
    pub(super) events: usize,
    /// Distinct patients over the whole episode.
    pub(super) patients: usize,
    /// The most in any one window.
    pub(super) peak: usize,
}

pub(super) fn by_ip(e: &Seen) -> Option<String> {
    e.ip.clone()
}

pub(super) fn by_account(e: &Seen) -> Option<String> {
    e.subject.map(|id| id.to_string())
}

pub(super) fn by_actor(e: &Seen) -> Option<String> {
    e.actor.map(|id| id.to_string())
}

pub(super) fn by_actor_and_patient(e: &Seen) -> Option<String> {
    let actor = e.actor.map(|id| id.to_string()).unwrap_or_default();
    e.patient.map(|patient| format!("{actor}/{patient}"))
}

/// Groups `events` by the rule's key into episodes and keeps those that
/// reach the threshold.
pub(super) fn episodes(mut events: Vec<(String, Seen)>, rule: &Rule) -> Vec<Episode> {
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
pub(super) fn peak(run: &[&Seen], rule: &Rule) -> usize {
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

/// The alert a rule's episode makes: its words and the log filter that
/// shows its events.
pub(super) fn describe(
    rule: &Rule,
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
    let concerning = match rule.kind {
        AlertKind::FailedSignInsFromIp | AlertKind::ManyCharts => None,
        _ => person(first.patient.or(first.subject)),
    };
    let ip = match rule.kind {
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
        first_at: zone.second(first.at),
        last_at: zone.second(episode.last_at),
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
