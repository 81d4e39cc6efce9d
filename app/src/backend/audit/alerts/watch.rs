//! The watcher: reads the trail past its place (kept in `alert_watch`, so
//! a restart or a second instance carries on where the last pass stopped)
//! and carries each rule's episodes forward, raising those that reach
//! their threshold. One pass is one transaction: the episodes, the
//! deliveries of new alerts and the new place are kept together or not at
//! all, and a pass running elsewhere is skipped, not waited for.
//!
//! The trail's lanes commit out of id order, so an id passed over may
//! still appear: it is noted (`alert_watch_gaps`) and read when it does.
//! Such a late event joins its episode, and the windows it falls within
//! are counted again. Each event read is also added to the overview's
//! counts (`audit::tally`), in the same pass.

use super::{
    AlertPolicy, DAYS, Kept, deliver,
    rules::{Episode, KeyColumn, LONGEST_WINDOW, Rule, Seen, rules},
};
use crate::{
    backend::audit::tally::{self, Counted},
    backend::db::schema::{
        alert_episodes, alert_watch, alert_watch_gaps, audit_events, audit_verifications,
        organizations,
    },
    error::AppError,
    model::audit::{AlertKind, AuditAction, AuditOutcome},
};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Events read in one pass at most.
pub const BATCH: i64 = 5_000;
/// How long an id passed over is waited for: an append's transaction open
/// longer than this rolled back (requests time out well before).
const GAP_PATIENCE: Duration = Duration::minutes(10);
/// Ids passed over in one pass noted at most (a sequence that jumped, as
/// after a crash, leaves a run no transaction holds).
const GAPS_NOTED: usize = 1_000;

/// Where new alerts are sent, as configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Channels {
    pub email: bool,
    pub webhook: bool,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Events read.
    pub read: usize,
    /// Alerts raised, by kind.
    pub raised: Vec<AlertKind>,
    /// More events wait: call again.
    pub more: bool,
}

/// An event as the watcher loads it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
struct Row {
    organization_id: Option<Uuid>,
    id: i64,
    occurred_at: OffsetDateTime,
    action: AuditAction,
    outcome: AuditOutcome,
    actor_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    subject_user_id: Option<Uuid>,
    client_ip: Option<String>,
    resource_id: Option<String>,
}

impl Row {
    fn seen(self) -> (Option<Uuid>, Seen) {
        (
            self.organization_id,
            Seen {
                id: self.id,
                at: self.occurred_at,
                action: self.action,
                outcome: self.outcome,
                actor: self.actor_id,
                patient: self.patient_id,
                subject: self.subject_user_id,
                ip: self.client_ip,
                resource: self.resource_id,
            },
        )
    }
}

/// One pass: reads up to [`BATCH`] events past the watcher's place (and
/// any passed over that have appeared), raises what they make alerts, and
/// queues their deliveries on `channels`.
pub async fn watch(
    conn: &mut AsyncPgConnection,
    policy: AlertPolicy,
    channels: Channels,
) -> Result<Pass, AppError> {
    let pass = conn
        .transaction::<_, AppError, _>(async |conn| {
            // Each pass's ranges differ (a month on a first look, seconds
            // after), and PostgreSQL's plan for a statement prepared with
            // the first ones read a whole practice's chart views where one
            // person's last hour was asked for (200 ms at a million
            // events). Planned with each pass's own values instead.
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(conn)
                .await?;
            let place: Option<(i64, i64)> = alert_watch::table
                .select((
                    alert_watch::through_event_id,
                    alert_watch::through_verification_id,
                ))
                .for_update()
                .skip_locked()
                .first(conn)
                .await
                .optional()?;
            let Some((through, through_verification)) = place else {
                // Another pass holds the place; it will have done this work.
                return Ok(Pass::default());
            };
            let since = OffsetDateTime::now_utc() - Duration::days(DAYS);
            let through = match through {
                // Never run: alerts are listed for the last DAYS days, so
                // the watcher starts there, not at the trail's first event.
                0 => audit_events::table
                    .filter(audit_events::occurred_at.lt(since))
                    .select(diesel::dsl::max(audit_events::id))
                    .first::<Option<i64>>(conn)
                    .await?
                    .unwrap_or(0),
                through => through,
            };
            let fresh: Vec<Row> = audit_events::table
                .filter(audit_events::id.gt(through))
                .order(audit_events::id)
                .limit(BATCH)
                .select(Row::as_select())
                .load(conn)
                .await?;
            let more = i64::try_from(fresh.len()).unwrap_or(i64::MAX) == BATCH;
            let newest = fresh.last().map_or(through, |row| row.id);
            let late = arrived(conn, &fresh, through).await?;
            let read = fresh.len() + late.len();
            let counted: Vec<Counted> = fresh
                .iter()
                .chain(&late)
                .filter_map(|row| {
                    Some(Counted {
                        organization_id: row.organization_id?,
                        at: row.occurred_at,
                        action: row.action,
                        outcome: row.outcome,
                        actor: row.actor_id,
                    })
                })
                .collect();
            tally::add(conn, &counted).await?;
            let new: Vec<(Uuid, Seen)> = fresh
                .into_iter()
                .chain(late)
                .map(Row::seen)
                .filter_map(|(org, seen)| Some((org?, seen)))
                .filter(|(_, seen)| seen.at >= since)
                .collect();
            let mut raised = Vec::new();
            for rule in rules(policy) {
                raised.extend(carry(conn, &rule, &new, newest, channels).await?);
            }
            let (through_verification, failed) =
                verifications(conn, through_verification, channels).await?;
            raised.extend(failed);
            diesel::update(alert_watch::table)
                .set((
                    alert_watch::through_event_id.eq(newest),
                    alert_watch::through_verification_id.eq(through_verification),
                ))
                .execute(conn)
                .await?;
            // Episodes that never became alerts are over once the longest
            // window has passed since their last event, as the trail reads
            // (and the longest a late event is waited for).
            if let Some(now) = new.iter().map(|(_, e)| e.at).max() {
                diesel::delete(
                    alert_episodes::table
                        .filter(alert_episodes::raised_at.is_null())
                        .filter(alert_episodes::last_at.lt(now - LONGEST_WINDOW - GAP_PATIENCE)),
                )
                .execute(conn)
                .await?;
            }
            Ok(Pass { read, raised, more })
        })
        .await?;
    for kind in &pass.raised {
        crate::backend::metrics::alert_raised(kind.as_str());
    }
    Ok(pass)
}

/// Notes the ids `fresh` passed over (after `through`), and answers the
/// events of ids noted before that have appeared; forgets those, and those
/// waited for too long.
async fn arrived(
    conn: &mut AsyncPgConnection,
    fresh: &[Row],
    through: i64,
) -> Result<Vec<Row>, AppError> {
    let waited: Vec<i64> = alert_watch_gaps::table
        .select(alert_watch_gaps::event_id)
        .load(conn)
        .await?;
    let late: Vec<Row> = if waited.is_empty() {
        Vec::new()
    } else {
        audit_events::table
            .filter(audit_events::id.eq_any(&waited))
            .select(Row::as_select())
            .load(conn)
            .await?
    };
    let appeared: Vec<i64> = late.iter().map(|row| row.id).collect();
    diesel::delete(
        alert_watch_gaps::table.filter(
            alert_watch_gaps::event_id
                .eq_any(&appeared)
                .or(alert_watch_gaps::noted_at.lt(OffsetDateTime::now_utc() - GAP_PATIENCE)),
        ),
    )
    .execute(conn)
    .await?;
    let mut passed_over = Vec::new();
    let mut expected = through + 1;
    for row in fresh {
        passed_over.extend(expected..row.id);
        expected = row.id + 1;
    }
    if passed_over.len() > GAPS_NOTED {
        tracing::warn!(
            count = passed_over.len(),
            "the trail's ids jumped; only the newest passed-over ids are waited for"
        );
        passed_over.drain(..passed_over.len() - GAPS_NOTED);
    }
    if !passed_over.is_empty() {
        let rows: Vec<_> = passed_over
            .iter()
            .map(|id| alert_watch_gaps::event_id.eq(id))
            .collect();
        diesel::insert_into(alert_watch_gaps::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(late)
}

/// Carries `rule`'s episodes forward over the `new` events it reads;
/// answers the kinds of the alerts raised.
async fn carry(
    conn: &mut AsyncPgConnection,
    rule: &Rule,
    new: &[(Uuid, Seen)],
    newest: i64,
    channels: Channels,
) -> Result<Vec<AlertKind>, AppError> {
    // Each key with news, and the time of its earliest new event.
    let mut keys: BTreeMap<(Uuid, String), OffsetDateTime> = BTreeMap::new();
    for (org, event) in new.iter().filter(|(_, e)| rule.reads(e)) {
        if let Some(key) = (rule.key)(event) {
            let at = keys.entry((*org, key)).or_insert(event.at);
            *at = (*at).min(event.at);
        }
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut latest = latest_episodes(conn, rule, &keys).await?;
    let mut context = context(conn, rule, new, &keys, newest).await?;
    let is_new: HashSet<i64> = new.iter().map(|(_, e)| e.id).collect();
    let mut raised = Vec::new();
    for ((org, key), first_new) in &keys {
        let mut events = context.remove(&(*org, key.clone())).unwrap_or_default();
        events.retain(|e| *first_new - e.at <= rule.window);
        let kept = latest.remove(&(*org, key.clone()));
        let raised_before = kept
            .as_ref()
            .filter(|k| k.raised_at.is_some())
            .map(|k| k.first_event_id);
        let carried = kept.map(|k| k.episode(rule.actions[0], rule.outcome));
        for episode in super::rules::advance(rule, carried, &events, |e| is_new.contains(&e.id)) {
            let now_raised = episode.peak >= rule.threshold;
            let newly = now_raised && raised_before != Some(episode.first.id);
            let id = keep(conn, *org, rule.kind, key, &episode, now_raised).await?;
            if newly {
                deliver::enqueue(conn, *org, id, channels).await?;
                raised.push(rule.kind);
            }
        }
    }
    Ok(raised)
}

/// Each key's newest episode so far.
async fn latest_episodes(
    conn: &mut AsyncPgConnection,
    rule: &Rule,
    keys: &BTreeMap<(Uuid, String), OffsetDateTime>,
) -> Result<HashMap<(Uuid, String), Kept>, AppError> {
    let orgs: HashSet<Uuid> = keys.keys().map(|(org, _)| *org).collect();
    let names: HashSet<&str> = keys.keys().map(|(_, key)| key.as_str()).collect();
    let rows: Vec<(Uuid, String, Kept)> = alert_episodes::table
        .filter(alert_episodes::kind.eq(rule.kind))
        .filter(alert_episodes::organization_id.eq_any(orgs))
        .filter(alert_episodes::episode_key.eq_any(names))
        .order((
            alert_episodes::organization_id,
            alert_episodes::episode_key,
            alert_episodes::last_at.desc(),
        ))
        .distinct_on((alert_episodes::organization_id, alert_episodes::episode_key))
        .select((
            alert_episodes::organization_id,
            alert_episodes::episode_key,
            Kept::as_select(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(org, key, kept)| ((org, key), kept))
        .collect())
}

/// The events `rule` reads for the keys with news, from one window before
/// each key's first new event through `newest`, by key, in time order.
async fn context(
    conn: &mut AsyncPgConnection,
    rule: &Rule,
    new: &[(Uuid, Seen)],
    keys: &BTreeMap<(Uuid, String), OffsetDateTime>,
    newest: i64,
) -> Result<HashMap<(Uuid, String), Vec<Seen>>, AppError> {
    let orgs: HashSet<Uuid> = keys.keys().map(|(org, _)| *org).collect();
    let Some(since) = keys.values().min().map(|at| *at - rule.window) else {
        return Ok(HashMap::new());
    };
    let news = new.iter().filter(|(_, e)| rule.reads(e)).map(|(_, e)| e);
    let mut query = audit_events::table
        .filter(audit_events::organization_id.eq_any(orgs))
        .filter(audit_events::action.eq_any(rule.actions))
        .filter(audit_events::outcome.eq(rule.outcome))
        .filter(audit_events::occurred_at.ge(since))
        .filter(audit_events::id.le(newest))
        .into_boxed();
    if rule.chart_only {
        query = query.filter(audit_events::patient_id.is_not_null());
    }
    // Only the keys' own events: by the column the key is read from.
    query = match rule.key_column {
        KeyColumn::ClientIp => {
            let ips: HashSet<String> = news.filter_map(|e| e.ip.clone()).collect();
            query.filter(audit_events::client_ip.eq_any(ips))
        }
        KeyColumn::SubjectUser => {
            let ids: HashSet<Uuid> = news.filter_map(|e| e.subject).collect();
            query.filter(audit_events::subject_user_id.eq_any(ids))
        }
        KeyColumn::Actor => {
            let ids: HashSet<Uuid> = news.filter_map(|e| e.actor).collect();
            query.filter(audit_events::actor_id.eq_any(ids))
        }
    };
    let rows: Vec<Row> = query
        .order((audit_events::occurred_at, audit_events::id))
        .select(Row::as_select())
        .load(conn)
        .await?;
    let mut by_key: HashMap<(Uuid, String), Vec<Seen>> = HashMap::new();
    for (org, seen) in rows.into_iter().map(Row::seen) {
        let (Some(org), Some(key)) = (org, (rule.key)(&seen)) else {
            continue;
        };
        if keys.contains_key(&(org, key.clone())) {
            by_key.entry((org, key)).or_default().push(seen);
        }
    }
    Ok(by_key)
}

/// Keeps `episode` (new or carried forward); `raised` once it has reached
/// its threshold (and for good). Answers its id.
async fn keep(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    kind: AlertKind,
    key: &str,
    episode: &Episode,
    raised: bool,
) -> Result<Uuid, AppError> {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let first = &episode.first;
    let raised_at = raised.then(OffsetDateTime::now_utc);
    let id = diesel::insert_into(alert_episodes::table)
        .values((
            alert_episodes::organization_id.eq(org),
            alert_episodes::kind.eq(kind),
            alert_episodes::episode_key.eq(key),
            alert_episodes::first_event_id.eq(first.id),
            alert_episodes::first_at.eq(first.at),
            alert_episodes::last_event_id.eq(episode.last_id),
            alert_episodes::last_at.eq(episode.last_at),
            alert_episodes::events.eq(count(episode.events)),
            alert_episodes::peak.eq(count(episode.peak)),
            alert_episodes::patient_ids.eq(episode.patients.iter().copied().collect::<Vec<_>>()),
            alert_episodes::actor_id.eq(first.actor),
            alert_episodes::patient_id.eq(first.patient),
            alert_episodes::subject_user_id.eq(first.subject),
            alert_episodes::client_ip.eq(&first.ip),
            alert_episodes::resource_id.eq(&first.resource),
            alert_episodes::raised_at.eq(raised_at),
        ))
        .on_conflict((
            alert_episodes::organization_id,
            alert_episodes::kind,
            alert_episodes::episode_key,
            alert_episodes::first_event_id,
        ))
        .do_update()
        .set((
            alert_episodes::last_event_id.eq(excluded(alert_episodes::last_event_id)),
            alert_episodes::last_at.eq(excluded(alert_episodes::last_at)),
            alert_episodes::events.eq(excluded(alert_episodes::events)),
            alert_episodes::peak.eq(excluded(alert_episodes::peak)),
            alert_episodes::patient_ids.eq(excluded(alert_episodes::patient_ids)),
            // Raised once, raised for good, at the time it first was.
            alert_episodes::raised_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >(
                "COALESCE(alert_episodes.raised_at, excluded.raised_at)",
            )),
        ))
        .returning(alert_episodes::id)
        .get_result(conn)
        .await?;
    Ok(id)
}

/// Raises an alert in every practice for each failed verification of the
/// trail since `through` (the trail is one for all of them); answers the
/// newest verification read and the kinds raised.
async fn verifications(
    conn: &mut AsyncPgConnection,
    through: i64,
    channels: Channels,
) -> Result<(i64, Vec<AlertKind>), AppError> {
    /// (id, when, whole, what was wrong, the newest event read)
    type Verification = (i64, OffsetDateTime, bool, Option<String>, Option<i64>);
    let done: Vec<Verification> = audit_verifications::table
        .filter(audit_verifications::id.gt(through))
        .order(audit_verifications::id)
        .select((
            audit_verifications::id,
            audit_verifications::verified_at,
            audit_verifications::ok,
            audit_verifications::problem,
            audit_verifications::head_id,
        ))
        .load(conn)
        .await?;
    let newest = done.last().map_or(through, |(id, ..)| *id);
    let failed: Vec<_> = done.into_iter().filter(|(_, _, ok, ..)| !ok).collect();
    if failed.is_empty() {
        return Ok((newest, Vec::new()));
    }
    let practices: Vec<Uuid> = organizations::table
        .select(organizations::id)
        .load(conn)
        .await?;
    let mut raised = Vec::new();
    for (_, at, _, problem, head) in failed {
        // Named by the newest event it read, so it sorts with the trail.
        let head = head.unwrap_or(1).max(1);
        let episode = Episode {
            first: Seen {
                id: head,
                at,
                action: AuditAction::AuditVerified,
                outcome: AuditOutcome::Error,
                actor: None,
                patient: None,
                subject: None,
                ip: None,
                resource: problem.map(|p| p.chars().take(200).collect()),
            },
            last_id: head,
            last_at: at,
            events: 1,
            patients: Default::default(),
            peak: 1,
        };
        for org in &practices {
            let kind = AlertKind::AuditVerificationFailed;
            let id = keep(conn, *org, kind, "trail", &episode, true).await?;
            deliver::enqueue(conn, *org, id, channels).await?;
            raised.push(kind);
        }
    }
    Ok((newest, raised))
}
