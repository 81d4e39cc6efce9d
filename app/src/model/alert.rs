//! Alerts: episodes in the audit trail an administrator should look at,
//! as the access review lists them and as they are sent to people.

use super::audit::{AuditQuery, PersonRef};
use serde::{Deserialize, Serialize};

stored_enum! {
    /// What an alert is about. Part of an alert's key, kept with its review:
    /// never rename a spelling.
    pub enum AlertKind {
        /// Many failed sign-ins from one address in a few minutes.
        FailedSignInsFromIp => "failed_sign_ins.ip",
        /// Many failed sign-ins for one account in a few minutes.
        FailedSignInsForAccount => "failed_sign_ins.account",
        /// One person opening an unusual number of charts in an hour.
        ManyCharts => "many_charts",
        /// Emergency ("break the glass") access to a chart.
        EmergencyAccess => "emergency_access",
        /// A refused attempt to open or change a chart.
        DeniedChart => "denied_chart",
        /// An account locked after failed sign-ins.
        AccountLocked => "account_locked",
        /// The audit trail did not verify: an event was changed, removed
        /// or reordered, or a signed checkpoint no longer matches.
        AuditVerificationFailed => "audit_verification_failed",
    }
}

impl AlertKind {
    /// What the kind is called: on its badge, and in the messages that
    /// tell administrators of a new alert (so it names no one).
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::FailedSignInsFromIp => "Failed sign-ins (address)",
            AlertKind::FailedSignInsForAccount => "Failed sign-ins (account)",
            AlertKind::ManyCharts => "Unusual number of charts",
            AlertKind::EmergencyAccess => "Emergency access",
            AlertKind::DeniedChart => "Refused chart access",
            AlertKind::AccountLocked => "Account locked",
            AlertKind::AuditVerificationFailed => "Audit trail failed verification",
        }
    }
}

/// Something in the trail an administrator should look at: an episode of
/// related events, with the evidence and whether it was reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Names the alert: its kind and the id of its first event.
    pub key: String,
    pub kind: AlertKind,
    /// One line saying what happened, e.g. "12 failed sign-ins from 203.0.113.7".
    pub summary: String,
    /// First and last event, to the second, in the practice's zone.
    pub first_at: String,
    pub last_at: String,
    /// Events in the episode.
    pub events: i64,
    /// The most in any one window (failures in 5 minutes, charts in an hour).
    pub peak: i64,
    pub actor: Option<PersonRef>,
    /// The account tried, or the patient whose chart it was.
    pub concerning: Option<PersonRef>,
    pub ip: Option<String>,
    /// The reason given, for emergency access (opened for the page; sealed
    /// at rest).
    pub reason: Option<String>,
    /// The emergency access an alert is about, whose reason it shows.
    pub emergency_access: Option<uuid::Uuid>,
    /// The access log filter that lists the alert's events.
    pub evidence: AuditQuery,
    /// The newest event in the episode; a review covers events up to it.
    pub last_event_id: i64,
    /// `None` while open (never reviewed, or new events since the review).
    pub review: Option<AlertReview>,
}

/// Who marked an alert reviewed, when, and what they noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertReview {
    pub by: String,
    pub at: String,
    pub note: Option<String>,
}

/// The alerts of the last [`AlertList::days`] days, open ones first, each
/// group newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertList {
    pub alerts: Vec<Alert>,
    /// Open alerts beyond those listed (the oldest).
    pub more_open: i64,
    pub days: i64,
    /// The thresholds in force, so the page can say what counts.
    pub failed_sign_ins: i64,
    pub charts_per_hour: i64,
}
