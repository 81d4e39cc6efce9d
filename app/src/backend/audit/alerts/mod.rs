//! Alerts: patterns in the trail an administrator should look at, found
//! as the trail grows and kept, and the administrators' reviews of them,
//! which are kept and audited; each new alert is sent to the practice's
//! administrators by email and, when configured, to a webhook.
//!
//! Every kind works the same way. The events a rule watches are grouped by
//! a key (an address, an account, a person, a person and a chart) into
//! *episodes*: runs in which no event is further than the rule's window
//! from the one before. An episode is an alert when, within some one
//! window, it reaches the rule's threshold: 10 failed sign-ins in 5
//! minutes, N distinct charts in an hour, or a single emergency access,
//! refused chart or locked account. A failed verification of the trail is
//! an alert in every practice. An alert is named by its kind and its first
//! event, so it keeps its name while an attack goes on; a review covers the
//! events up to the newest one the reviewer saw, and anything later opens
//! it again.
//!
//! [`watch::watch`] finds them, a background task of `serve` keeping its
//! place in the trail; [`deliver`] sends them; listing reads what is kept.

pub mod deliver;
mod describe;
mod reviews;
mod rules;
pub mod watch;
pub mod webhook;

pub use reviews::{Review, mark_reviewed};
pub use watch::{Channels, watch};

use self::describe::{describe, key_of};
use self::reviews::{open_notes, reviews};
use self::rules::{Episode, Seen};
use crate::backend::dates::Zone;
use crate::{
    backend::{db::schema::alert_episodes, identity::authz::Admin, vault::Vault},
    error::AppError,
    model::audit::{Alert, AlertKind, AlertList, AuditAction, AuditOutcome},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How far back alerts are listed. Older episodes stay in the access log.
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
    // log, and they can still be reviewed). Only those listed are put
    // into words.
    let org = admin.organization_id;
    let since = OffsetDateTime::now_utc() - Duration::days(DAYS);
    // Newest activity first (the trail's ids follow its time).
    let kept: Vec<Kept> = alert_episodes::table
        .filter(alert_episodes::organization_id.eq(org))
        .filter(alert_episodes::raised_at.is_not_null())
        .filter(alert_episodes::last_at.ge(since))
        .order(alert_episodes::last_event_id.desc())
        .select(Kept::as_select())
        .load(conn)
        .await?;
    let mut reviews = reviews(conn, org, zone).await?;
    let (open, done): (Vec<Kept>, Vec<Kept>) = kept.into_iter().partition(|k| {
        reviews
            .get(&key_of(k.kind, k.first_event_id))
            .is_none_or(|(through, _)| *through < k.last_event_id)
    });
    let more_open = open.len().saturating_sub(LISTED_OPEN);
    let people = super::review::practice_people(conn, vault, org).await?;
    let mut words = |kept: Vec<Kept>, limit: usize, reviewed: bool| -> Vec<Alert> {
        kept.into_iter()
            .take(limit)
            .map(|k| {
                // The words never read the first event's action.
                let episode = k.episode(AuditAction::AuditVerified, AuditOutcome::Allowed);
                let mut alert = describe(k.kind, &episode, &people, zone);
                if reviewed {
                    alert.review = reviews.remove(&alert.key).map(|(_, review)| review);
                }
                alert
            })
            .collect()
    };
    let mut alerts = words(open, LISTED_OPEN, false);
    let mut reviewed = words(done, LISTED_REVIEWED, true);
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

/// An episode as kept.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alert_episodes, check_for_backend(diesel::pg::Pg))]
struct Kept {
    id: Uuid,
    kind: AlertKind,
    first_event_id: i64,
    first_at: OffsetDateTime,
    last_event_id: i64,
    last_at: OffsetDateTime,
    events: i64,
    peak: i64,
    patient_ids: Vec<Uuid>,
    actor_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    subject_user_id: Option<Uuid>,
    client_ip: Option<String>,
    resource_id: Option<String>,
    raised_at: Option<OffsetDateTime>,
}

impl Kept {
    /// The episode the rules carry forward. Its first event's action is not
    /// kept (no alert's words depend on it): the rule's own stands in.
    fn episode(&self, action: AuditAction, outcome: AuditOutcome) -> Episode {
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Episode {
            first: Seen {
                id: self.first_event_id,
                at: self.first_at,
                action,
                outcome,
                actor: self.actor_id,
                patient: self.patient_id,
                subject: self.subject_user_id,
                ip: self.client_ip.clone(),
                resource: self.resource_id.clone(),
            },
            last_id: self.last_event_id,
            last_at: self.last_at,
            events: count(self.events),
            patients: self.patient_ids.iter().copied().collect::<BTreeSet<_>>(),
            peak: count(self.peak),
        }
    }
}
