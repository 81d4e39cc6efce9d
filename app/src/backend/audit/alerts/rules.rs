//! The rule engine of the alerts, pure: the rules, events as they read
//! them, and episodes carried forward over new events. No database here
//! (the watcher loads and keeps), so every rule is tested on plain values.

use super::AlertPolicy;
use crate::model::audit::{AlertKind, AuditAction, AuditOutcome};
use std::collections::{BTreeSet, HashMap};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub(super) const FAILURE_WINDOW: Duration = Duration::minutes(5);
pub(super) const CHART_WINDOW: Duration = Duration::HOUR;
/// The longest window of any rule: an episode quiet for longer is over.
pub(super) const LONGEST_WINDOW: Duration = CHART_WINDOW;

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
pub(super) struct Seen {
    pub(super) id: i64,
    pub(super) at: OffsetDateTime,
    pub(super) action: AuditAction,
    pub(super) outcome: AuditOutcome,
    pub(super) actor: Option<Uuid>,
    pub(super) patient: Option<Uuid>,
    pub(super) subject: Option<Uuid>,
    pub(super) ip: Option<String>,
    /// What was acted on (an emergency access's id, for its start).
    pub(super) resource: Option<String>,
}

/// The column an episode key is read from, so the watcher reads only the
/// events of the keys it has news of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyColumn {
    ClientIp,
    SubjectUser,
    Actor,
}

/// What one kind of alert watches and when it fires.
pub(super) struct Rule {
    pub(super) kind: AlertKind,
    /// The events it reads: these actions, ending so, and (with
    /// `chart_only`) about a patient.
    pub(super) actions: &'static [AuditAction],
    pub(super) outcome: AuditOutcome,
    pub(super) chart_only: bool,
    /// Events further apart than this start a new episode; the threshold is
    /// counted within one such window.
    pub(super) window: Duration,
    pub(super) threshold: usize,
    /// Count distinct patients rather than events.
    pub(super) distinct_patients: bool,
    /// The episode key of an event; `None` leaves the event out.
    pub(super) key: fn(&Seen) -> Option<String>,
    pub(super) key_column: KeyColumn,
}

impl Rule {
    /// Whether the rule reads `event` at all.
    pub(super) fn reads(&self, event: &Seen) -> bool {
        self.actions.contains(&event.action)
            && event.outcome == self.outcome
            && (!self.chart_only || event.patient.is_some())
    }
}

/// Every rule, with the practice's thresholds.
pub(super) fn rules(policy: AlertPolicy) -> [Rule; 6] {
    let failed = usize::try_from(policy.failed_sign_ins).unwrap_or(usize::MAX);
    let charts = usize::try_from(policy.charts_per_hour).unwrap_or(usize::MAX);
    let sign_in_failures = |kind, key, key_column| Rule {
        kind,
        actions: &[AuditAction::SignInFailed],
        outcome: AuditOutcome::Denied,
        chart_only: false,
        window: FAILURE_WINDOW,
        threshold: failed,
        distinct_patients: false,
        key,
        key_column,
    };
    // Each of these is an alert on its own; a burst within the hour is one.
    let every_one = |kind, actions, outcome, key, key_column| Rule {
        kind,
        actions,
        outcome,
        chart_only: key_column == KeyColumn::Actor,
        window: CHART_WINDOW,
        threshold: 1,
        distinct_patients: false,
        key,
        key_column,
    };
    [
        sign_in_failures(AlertKind::FailedSignInsFromIp, by_ip, KeyColumn::ClientIp),
        sign_in_failures(
            AlertKind::FailedSignInsForAccount,
            by_account,
            KeyColumn::SubjectUser,
        ),
        // Views under emergency access count as chart views too; only the
        // emergency events themselves raise that alert.
        Rule {
            kind: AlertKind::ManyCharts,
            actions: &[AuditAction::RecordViewed, AuditAction::EmergencyAccess],
            outcome: AuditOutcome::Allowed,
            chart_only: true,
            window: CHART_WINDOW,
            threshold: charts,
            distinct_patients: true,
            key: by_actor,
            key_column: KeyColumn::Actor,
        },
        every_one(
            AlertKind::EmergencyAccess,
            &[AuditAction::EmergencyAccess],
            AuditOutcome::Allowed,
            by_actor_and_patient,
            KeyColumn::Actor,
        ),
        every_one(
            AlertKind::DeniedChart,
            CHART_ACTIONS,
            AuditOutcome::Denied,
            by_actor_and_patient,
            KeyColumn::Actor,
        ),
        every_one(
            AlertKind::AccountLocked,
            &[AuditAction::AccountLockedOut],
            AuditOutcome::Denied,
            by_account,
            KeyColumn::SubjectUser,
        ),
    ]
}

/// A run of events with one key, none further than the window from the one
/// before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Episode {
    pub(super) first: Seen,
    pub(super) last_id: i64,
    pub(super) last_at: OffsetDateTime,
    pub(super) events: usize,
    /// Distinct patients over the whole episode (kept only by the rule that
    /// counts them).
    pub(super) patients: BTreeSet<Uuid>,
    /// The most in any one window.
    pub(super) peak: usize,
}

impl Episode {
    fn starting(event: &Seen, rule: &Rule) -> Self {
        let mut episode = Episode {
            first: event.clone(),
            last_id: event.id,
            last_at: event.at,
            events: 0,
            patients: BTreeSet::new(),
            peak: 0,
        };
        episode.join(event, rule);
        episode
    }

    fn join(&mut self, event: &Seen, rule: &Rule) {
        self.events += 1;
        self.last_id = self.last_id.max(event.id);
        self.last_at = self.last_at.max(event.at);
        if let (true, Some(patient)) = (rule.distinct_patients, event.patient) {
            self.patients.insert(patient);
        }
    }
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

/// Carries one key's episodes forward over new events. `latest` is the
/// key's newest episode so far, if any; `events` are the key's events (in
/// time order) from one window before the first new one, so every window
/// that ends at a new event is whole; `is_new` tells which have not been
/// counted yet. Each new event joins the episode before it or starts one,
/// and the window ending at it counts towards the episode's peak, as does
/// the window of any event counted before that it now falls within (it
/// committed late). Answers the episodes touched, oldest first (`latest`
/// among them).
///
/// Fed every event at once, as new, it is the whole computation; fed the
/// trail a piece at a time it answers the same (the tests hold it to that).
pub(super) fn advance(
    rule: &Rule,
    latest: Option<Episode>,
    events: &[Seen],
    is_new: impl Fn(&Seen) -> bool,
) -> Vec<Episode> {
    let mut touched = Vec::new();
    let mut current = latest;
    let mut window = Window::default();
    // The newest new event so far: an event counted before that comes
    // after it (it committed late) has a window that just grew.
    let mut last_new: Option<OffsetDateTime> = None;
    for (i, event) in events.iter().enumerate() {
        let in_window = window.slide_to(events, i, rule);
        if !is_new(event) {
            if let (Some(at), Some(episode)) = (last_new, current.as_mut())
                && event.at - at <= rule.window
            {
                episode.peak = episode.peak.max(in_window);
            }
            continue;
        }
        last_new = Some(event.at);
        let before = events[..i]
            .last()
            .map(|e| e.at)
            .or(current.as_ref().map(|c| c.last_at));
        match current.as_mut() {
            Some(episode) if before.is_some_and(|at| event.at - at <= rule.window) => {
                episode.join(event, rule);
            }
            _ => {
                touched.extend(current.take());
                current = Some(Episode::starting(event, rule));
            }
        }
        if let Some(episode) = current.as_mut() {
            episode.peak = episode.peak.max(in_window);
        }
    }
    touched.extend(current);
    touched
}

/// The events within one window before the latest, slid along events in
/// time order: each is added once and dropped once, however many there are.
#[derive(Default)]
struct Window {
    /// The oldest event still inside.
    left: usize,
    events: usize,
    /// How many events inside concern each patient.
    patients: HashMap<Uuid, usize>,
}

impl Window {
    /// Takes in `events[i]`, lets out what is more than the rule's window
    /// before it, and answers how many events (or distinct patients) are
    /// inside.
    fn slide_to(&mut self, events: &[Seen], i: usize, rule: &Rule) -> usize {
        let newest = &events[i];
        self.events += 1;
        if let Some(patient) = newest.patient {
            *self.patients.entry(patient).or_default() += 1;
        }
        while newest.at - events[self.left].at > rule.window {
            self.events -= 1;
            if let Some(patient) = events[self.left].patient
                && let Some(n) = self.patients.get_mut(&patient)
            {
                *n -= 1;
                if *n == 0 {
                    self.patients.remove(&patient);
                }
            }
            self.left += 1;
        }
        if rule.distinct_patients {
            self.patients.len()
        } else {
            self.events
        }
    }
}

/// Groups `events` by the rule's key into episodes and keeps those that
/// reach the threshold: the whole computation at once, which the watcher's
/// pieces are held to.
#[cfg(test)]
fn episodes(mut events: Vec<(String, Seen)>, rule: &Rule) -> Vec<Episode> {
    events.sort_by(|(ka, a), (kb, b)| (ka, a.at, a.id).cmp(&(kb, b.at, b.id)));
    let mut found = Vec::new();
    for run in events.chunk_by(|(a, _), (b, _)| a == b) {
        let run: Vec<Seen> = run.iter().map(|(_, e)| e.clone()).collect();
        found.extend(
            advance(rule, None, &run, |_| true)
                .into_iter()
                .filter(|e| e.peak >= rule.threshold),
        );
    }
    found
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
            outcome: AuditOutcome::Allowed,
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
            actions: &[AuditAction::RecordViewed],
            outcome: AuditOutcome::Allowed,
            chart_only: false,
            window,
            threshold,
            distinct_patients,
            key: by_ip,
            key_column: KeyColumn::ClientIp,
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
        assert_eq!(found[0].patients.len(), 4);
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

    /// The watcher reads the trail a piece at a time, with each key's
    /// newest episode kept between pieces: whatever the pieces, it finds
    /// what reading everything at once finds.
    #[test]
    fn reading_the_trail_in_pieces_finds_what_reading_it_whole_finds() {
        let mut events = Vec::new();
        let mut id = 0;
        // Bursts, pauses and a slow run, over three patients.
        for (minute, patient) in [
            (0, 2),
            (1, 3),
            (2, 2),
            (3, 4),
            (4, 2),
            (20, 3),
            (21, 2),
            (22, 4),
            (23, 3),
            (90, 2),
            (93, 3),
            (96, 4),
            (99, 2),
            (102, 3),
            (200, 4),
        ] {
            id += 1;
            events.push(seen(id, minute, patient));
        }
        for (window, threshold, distinct) in [
            (FAILURE_WINDOW, 3, false),
            (FAILURE_WINDOW, 2, false),
            (CHART_WINDOW, 3, true),
            (Duration::minutes(10), 2, true),
        ] {
            let rule = rule(threshold, window, distinct);
            let whole = episodes(keyed(events.clone(), by_ip), &rule);
            for piece in [1, 2, 3, 5, 7] {
                let mut latest: Option<Episode> = None;
                let mut raised: Vec<Episode> = Vec::new();
                for (n, chunk) in events.chunks(piece).enumerate() {
                    let seen_before = n * piece;
                    let first_new = &chunk[0];
                    // What the watcher loads: one window before the first
                    // new event, through the newest.
                    let context: Vec<Seen> = events[..seen_before + chunk.len()]
                        .iter()
                        .filter(|e| first_new.at - e.at <= window)
                        .cloned()
                        .collect();
                    let touched =
                        advance(&rule, latest.take(), &context, |e| e.id > first_new.id - 1);
                    for episode in touched {
                        raised.retain(|r| r.first.id != episode.first.id);
                        if episode.peak >= threshold {
                            raised.push(episode.clone());
                        }
                        latest = Some(episode);
                    }
                }
                raised.sort_by_key(|e| e.first.id);
                assert_eq!(
                    raised, whole,
                    "pieces of {piece}, window {window}, threshold {threshold}"
                );
            }
        }
    }

    /// An event whose transaction commits after later ones is read late:
    /// it joins its episode, and the windows it falls within count it.
    #[test]
    fn an_event_read_late_counts_in_every_window_it_falls_within() {
        let rule = rule(3, FAILURE_WINDOW, false);
        let events: Vec<Seen> = (0..3).map(|i| seen(i + 1, i, 0)).collect();
        // The first look sees 1 and 3; 2 is not committed yet.
        let visible = [events[0].clone(), events[2].clone()];
        let first = advance(&rule, None, &visible, |_| true);
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].events, first[0].peak), (2, 2));
        let then = advance(&rule, first.into_iter().next(), &events, |e| e.id == 2);
        assert_eq!(then.len(), 1);
        assert_eq!((then[0].first.id, then[0].events, then[0].peak), (1, 3, 3));
        assert_eq!(then[0].last_id, 3);
    }
}
