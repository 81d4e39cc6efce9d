//! The audit trail's vocabulary: what happened (a closed list of actions)
//! and how it ended. Stored as text in `audit_events`; never rename a
//! spelling (rows and their hashes keep it). Also what the access log,
//! its overview and the patients' "who accessed my record" send the browser.

use serde::{Deserialize, Serialize};

// Alerts read the trail: their types live beside it.
pub use super::alert::{Alert, AlertKind, AlertList, AlertReview};

stored_enum! {
    /// What an audit event records.
    pub enum AuditAction {
        SignInSucceeded => "sign_in.succeeded",
        SignInFailed => "sign_in.failed",
        /// Too many failures: the account is locked for a while.
        AccountLockedOut => "sign_in.locked_out",
        /// Turned away at once: too many sign-ins were already waiting for
        /// a password check (load shedding).
        SignInShed => "sign_in.shed",
        SignedOut => "session.signed_out",
        SessionTimedOut => "session.timed_out",
        SessionEnded => "session.ended",
        MfaEnrolled => "mfa.enrolled",
        MfaVerified => "mfa.verified",
        MfaFailed => "mfa.failed",
        MfaReplayRefused => "mfa.replay_refused",
        RecoveryCodeUsed => "mfa.recovery_code_used",
        RecoveryCodesRegenerated => "mfa.recovery_codes_regenerated",
        MfaReset => "mfa.reset",
        MfaDisabled => "mfa.disabled",
        PasskeyAdded => "passkey.added",
        PasskeyRemoved => "passkey.removed",
        PasskeyUsed => "passkey.used",
        /// A bad signature, a counter gone backwards (a cloned
        /// authenticator), or a credential of another account or practice.
        PasskeyRefused => "passkey.refused",
        StepUpPassed => "mfa.step_up",
        InvitationIssued => "invitation.issued",
        InvitationUsed => "invitation.used",
        /// A pending invitation replaced by a new link (the old one stops
        /// working); its role never changes on the way.
        InvitationRenewed => "invitation.renewed",
        PasswordChanged => "account.password_changed",
        RoleChanged => "account.role_changed",
        AccountDeactivated => "account.deactivated",
        AccountReactivated => "account.reactivated",
        AccountUnlocked => "account.unlocked",
        /// A patient's portal account (name and email) shown in a staff
        /// list of people.
        AccountListed => "account.listed",
        RecordViewed => "record.viewed",
        /// A patient's name and birthday shown in a caseload list.
        RecordListed => "record.listed",
        /// A patient outside the searcher's caseload matched a caseload
        /// search: that they are a patient here was disclosed.
        RecordSearched => "record.searched",
        RecordCreated => "record.created",
        RecordUpdated => "record.updated",
        RecordSigned => "record.signed",
        RecordExported => "record.exported",
        RecordDeleted => "record.deleted",
        /// A record's name, date of birth and holds read to tell whether
        /// its retention has ended.
        RetentionReviewed => "record.retention_reviewed",
        LegalHoldPlaced => "record.hold_placed",
        LegalHoldLifted => "record.hold_lifted",
        /// A record whose retention had ended erased: its keys destroyed,
        /// its rows gone, a tombstone left.
        RecordErased => "record.erased",
        /// A patient asked for their record to be erased (answered with
        /// the day it becomes possible).
        ErasureRequested => "record.erasure_requested",
        EmergencyAccess => "record.emergency_access",
        CareTeamAdded => "care_team.added",
        CareTeamRemoved => "care_team.removed",
        /// Someone asked for something their role does not allow.
        AccessDenied => "access.denied",
        AuditViewed => "audit.viewed",
        AuditExported => "audit.exported",
        AuditVerified => "audit.verified",
        AlertReviewed => "audit.alert_reviewed",
        KeyRotated => "keys.rotated",
        PracticeChanged => "practice.changed",
    }
}

stored_enum! {
    /// How an audited request ended.
    pub enum AuditOutcome {
        Allowed => "allowed",
        Denied => "denied",
        Error => "error",
    }
}

impl AuditAction {
    /// How the action reads in the access log.
    pub fn describe(self) -> &'static str {
        use AuditAction as A;
        match self {
            A::SignInSucceeded => "Signed in",
            A::SignInFailed => "Sign-in failed",
            A::AccountLockedOut => "Account locked (failed sign-ins)",
            A::SignInShed => "Sign-in turned away (busy)",
            A::SignedOut => "Signed out",
            A::SessionTimedOut => "Session timed out",
            A::SessionEnded => "Sessions ended",
            A::MfaEnrolled => "Two-step verification turned on",
            A::MfaVerified => "Two-step code accepted",
            A::MfaFailed => "Wrong two-step code",
            A::MfaReplayRefused => "Used two-step code refused",
            A::RecoveryCodeUsed => "Recovery code used",
            A::RecoveryCodesRegenerated => "Recovery codes replaced",
            A::MfaReset => "Two-step verification reset",
            A::MfaDisabled => "Two-step verification turned off",
            A::PasskeyAdded => "Passkey added",
            A::PasskeyRemoved => "Passkey removed",
            A::PasskeyUsed => "Passkey used",
            A::PasskeyRefused => "Passkey refused",
            A::StepUpPassed => "Identity confirmed again (step-up)",
            A::InvitationIssued => "Invitation sent",
            A::InvitationUsed => "Invitation used",
            A::InvitationRenewed => "Invitation renewed",
            A::PasswordChanged => "Password changed",
            A::RoleChanged => "Role changed",
            A::AccountDeactivated => "Account deactivated",
            A::AccountReactivated => "Account reactivated",
            A::AccountUnlocked => "Account unlocked",
            A::AccountListed => "Listed on People",
            A::RecordViewed => "Record viewed",
            A::RecordListed => "Listed in a caseload",
            A::RecordSearched => "Found by a caseload search",
            A::RecordCreated => "Record created",
            A::RecordUpdated => "Record updated",
            A::RecordSigned => "Record signed",
            A::RecordExported => "Record exported",
            A::RecordDeleted => "Record deleted",
            A::RetentionReviewed => "Retention reviewed",
            A::LegalHoldPlaced => "Legal hold placed",
            A::LegalHoldLifted => "Legal hold lifted",
            A::RecordErased => "Record erased",
            A::ErasureRequested => "Erasure requested",
            A::EmergencyAccess => "Emergency access",
            A::CareTeamAdded => "Added to a care team",
            A::CareTeamRemoved => "Removed from a care team",
            A::AccessDenied => "Access denied",
            A::AuditViewed => "Access log viewed",
            A::AuditExported => "Access log exported",
            A::AuditVerified => "Audit chain verified",
            A::AlertReviewed => "Alert reviewed",
            A::KeyRotated => "Encryption key rotated",
            A::PracticeChanged => "Practice settings changed",
        }
    }
}

impl AuditAction {
    /// What staff did, as a patient reads it in "Who accessed my record":
    /// plain words that follow a name ("Dr. Rowan Ellis viewed your
    /// record"), never the trail's own terms.
    pub fn for_patient(self) -> &'static str {
        use AuditAction as A;
        match self {
            A::RecordViewed => "viewed your record",
            A::RecordListed => "saw your name in their list of patients",
            A::RecordSearched => "found your record by searching for it",
            A::RecordCreated => "added to your record",
            A::RecordUpdated => "changed your record",
            A::RecordSigned => "signed a note in your record",
            A::RecordExported => "made a copy of your record",
            A::RecordDeleted => "removed something from your record",
            A::RetentionReviewed => "checked how long your record is kept",
            A::LegalHoldPlaced => "kept your record for a legal reason",
            A::LegalHoldLifted => "ended a legal hold on your record",
            A::EmergencyAccess => "opened your record in an emergency",
            A::CareTeamAdded | A::CareTeamRemoved => "changed who is on your care team",
            A::AccountListed => "saw your portal account in the practice's list of people",
            A::InvitationIssued | A::InvitationRenewed => "invited you to the portal",
            A::AccountDeactivated => "turned off your portal account",
            A::AccountReactivated => "turned your portal account back on",
            A::AccountUnlocked => "unlocked your portal account",
            A::MfaReset => "reset your two-step verification",
            A::SessionEnded => "signed you out",
            A::RoleChanged => "changed your account's role",
            _ => "did something with your account",
        }
    }
}

/// Events on one page of a person's "every event" list.
pub const EVENTS_PAGE: usize = 100;

/// "once", "twice", "22 times".
pub fn times(n: u32) -> String {
    match n {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// A person's accesses to their own record, a page of days, newest first:
/// what each member of staff did on each day, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessHistory {
    pub days: Vec<AccessDay>,
    /// Where the next (older) page starts: its `before`, when there is one.
    pub earlier: Option<String>,
    /// The time zone the days and times are in.
    pub time_zone: String,
}

/// One day of [`AccessHistory`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDay {
    /// "Friday 4 December 2026".
    pub day: String,
    pub people: Vec<PersonDay>,
}

/// What one member of staff did on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDay {
    pub who: String,
    pub role: crate::model::Role,
    /// Each kind of action, with how often; most recent first.
    pub did: Vec<(AuditAction, u32)>,
    /// Emergency accesses they started that day.
    pub emergencies: Vec<EmergencyUse>,
    /// Whether any of it happened under emergency access.
    pub in_emergency: bool,
}

impl PersonDay {
    /// "viewed your record 22 times and changed your record once".
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = self
            .did
            .iter()
            .map(|(action, n)| format!("{} {}", action.for_patient(), times(*n)))
            .collect();
        match parts.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// An emergency ("break the glass") access to the patient's record: when,
/// until when, and the reason the therapist gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyUse {
    /// "14:02".
    pub at: String,
    pub until: String,
    pub reason: String,
}

impl AuditOutcome {
    pub fn describe(self) -> &'static str {
        match self {
            AuditOutcome::Allowed => "Allowed",
            AuditOutcome::Denied => "Denied",
            AuditOutcome::Error => "Error",
        }
    }
}

/// The access log's filters as they stand in the page's URL: text, exactly
/// as typed or linked, so a bad value comes back with a message next to its
/// field instead of an error page. The server parses and checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// First day, `YYYY-MM-DD` (the practice's), inclusive.
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD` (the practice's), inclusive.
    #[serde(default)]
    pub to: String,
    /// Who acted (an account id).
    #[serde(default)]
    pub actor: String,
    /// Whom it concerned: the patient, or the account acted on.
    #[serde(default)]
    pub patient: String,
    /// An [`AuditAction`] spelling.
    #[serde(default)]
    pub action: String,
    /// An [`AuditOutcome`] spelling.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub ip: String,
    /// Keyset cursor: events older than this id.
    #[serde(default)]
    pub before: String,
}

impl AuditQuery {
    /// The filters as `name=value` pairs, empty ones left out (cursor too
    /// when `with_cursor` is false).
    pub fn pairs(&self, with_cursor: bool) -> Vec<(&'static str, &str)> {
        [
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("actor", self.actor.as_str()),
            ("patient", self.patient.as_str()),
            ("action", self.action.as_str()),
            ("outcome", self.outcome.as_str()),
            ("ip", self.ip.as_str()),
            (
                "before",
                if with_cursor {
                    self.before.as_str()
                } else {
                    ""
                },
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.trim()))
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    /// `?name=value&...` for links (the next page, the CSV export).
    pub fn to_url_query(&self, with_cursor: bool) -> String {
        let pairs: Vec<String> = self
            .pairs(with_cursor)
            .into_iter()
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect();
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A person as the access log names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: uuid::Uuid,
    pub name: String,
    pub role: crate::model::Role,
}

/// One event of the access log, with everything an administrator may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// To the second, in the practice's zone ("Fri 4 Dec 2026, 14:05:09 CST").
    pub at: String,
    /// `None`: nobody signed in (e.g. a failed sign-in).
    pub actor: Option<PersonRef>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// Whom it concerned: the patient whose record it was, and the account
    /// acted on when that is someone else (a therapist put on a care team).
    pub subjects: Vec<PersonRef>,
    /// What was acted on: kind and id.
    pub resource: Option<(String, String)>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The first characters of the session id's hash.
    pub session: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub details: Vec<(String, String)>,
}

/// A page of the access log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page, when there is one.
    pub next_before: Option<i64>,
}

/// Counts and charts for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOverview {
    /// "24h", "7d" or "30d".
    pub period: String,
    pub sign_ins: i64,
    pub failed_sign_ins: i64,
    pub lockouts: i64,
    pub record_views: i64,
    pub denied: i64,
    pub emergency: i64,
    /// Events per bucket (hour for 24h, day otherwise), oldest first:
    /// (label, allowed, denied or failed).
    pub series: Vec<(String, i64, i64)>,
    /// Who viewed the most records in the period: (name, views).
    pub top_viewers: Vec<(String, i64)>,
}

/// The audit chain's last verification, for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    /// `None`: never verified.
    pub last: Option<ChainCheck>,
    /// The newest event's id (0: none yet).
    pub newest_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    pub at: String,
    pub intact: bool,
    pub events: i64,
    /// What was wrong, in words, when not intact.
    pub problem: Option<String>,
}

/// One access to a patient's record or account by staff, as the patient
/// sees it: who (name and role), when, what kind. Nothing internal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAccess {
    /// The event's place in the trail: the cursor for the next page.
    pub id: i64,
    pub at: String,
    pub who: String,
    pub role: crate::model::Role,
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(did: Vec<(AuditAction, u32)>) -> PersonDay {
        PersonDay {
            who: "Dr. Rowan Ellis".to_owned(),
            role: crate::model::Role::Therapist,
            did,
            emergencies: Vec::new(),
            in_emergency: false,
        }
    }

    #[test]
    fn a_day_of_accesses_reads_as_one_plain_sentence() {
        use AuditAction as A;
        assert_eq!(
            person(vec![(A::RecordViewed, 22)]).sentence(),
            "viewed your record 22 times"
        );
        assert_eq!(
            person(vec![(A::RecordViewed, 2), (A::RecordSigned, 1)]).sentence(),
            "viewed your record twice and signed a note in your record once"
        );
        assert_eq!(
            person(vec![
                (A::RecordListed, 3),
                (A::RecordViewed, 1),
                (A::RecordUpdated, 4)
            ])
            .sentence(),
            "saw your name in their list of patients 3 times, viewed your record once and changed your record 4 times"
        );
    }

    /// No action a patient can see reads in the trail's own terms.
    #[test]
    fn what_a_patient_reads_is_never_jargon() {
        for action in AuditAction::ALL {
            let words = action.for_patient();
            assert!(words.starts_with(char::is_lowercase), "{action:?}: {words}");
            for jargon in ["record.", "caseload", "audit", "session", "step-up", "_"] {
                assert!(!words.contains(jargon), "{action:?}: {words}");
            }
        }
    }

    #[test]
    fn every_spelling_reads_back() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>().ok(), Some(*action));
            assert!(!action.describe().is_empty());
        }
    }

    #[test]
    fn the_url_query_keeps_filled_filters_encoded() {
        let query = AuditQuery {
            action: "sign_in.failed".into(),
            ip: "2001:db8::1".into(),
            from: " 2026-11-01 ".into(),
            before: "42".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            query.to_url_query(false),
            "?from=2026-11-01&action=sign_in.failed&ip=2001%3Adb8%3A%3A1"
        );
        assert!(query.to_url_query(true).ends_with("&before=42"));
        assert_eq!(AuditQuery::default().to_url_query(true), "");
    }
}
