//! Types that cross the wire between server and browser, and the validation
//! rules both sides share (the server always re-checks; the browser only
//! helps).

/// A stored spelling that no variant has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown value")]
pub struct UnknownValue;

/// Declares an enum stored as text (defined before the modules that use it): its variants, their database spellings
/// (never change a spelling: rows store them), `ALL`, `as_str`, `Display`
/// and `FromStr`. On the server it also reads and writes as a diesel `Text`
/// column (see `backend::db::enums`).
macro_rules! stored_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        #[cfg_attr(
            feature = "ssr",
            derive(diesel::AsExpression, diesel::FromSqlRow),
            diesel(sql_type = diesel::sql_types::Text)
        )]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The database and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or($crate::model::UnknownValue)
            }
        }
    };
}

pub mod account;
pub mod alert;
pub mod amendment;
pub mod audit;
pub mod chart;
pub mod consent;
pub mod day;
pub mod details;
pub mod disclosure;
pub mod home;
pub mod measures;
pub mod mfa;
pub mod passkey;
pub mod patient;
pub mod record;
pub mod retention;
pub mod roster;
pub mod safety_plan;
pub mod validate;

pub use account::{Role, SecurityEventKind, UserStatus};
pub use mfa::{MfaOverview, MfaSetup, MfaStatus, RecoveryCodes, SecondFactorOutcome};
pub use passkey::{PasskeyOverview, PasskeySummary};

use serde::{Deserialize, Serialize};

/// Public facts about the practice, shown before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeInfo {
    /// The practice's name, or `None` when no practice is set up yet.
    pub name: Option<String>,
    /// This address of Cairn can sign people in with passkeys.
    pub passkeys: bool,
}

/// The practice's settings, as its administrators change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSettings {
    pub name: String,
    /// The IANA name pages write times in (`America/Chicago`).
    pub time_zone: String,
    /// The time now, written in that zone: what pages will show.
    pub now: String,
    /// Every zone that may be chosen, sorted.
    pub choices: Vec<String>,
    /// What a patient sees when a questionnaire's safety item is positive.
    pub crisis_resources: String,
    /// Patients see their own questionnaire scores in the portal.
    pub patients_see_scores: bool,
    /// Records are kept this many years after their last activity...
    pub retention_years: i32,
    /// ...counted for a minor from when they reach this age, if later.
    pub age_of_majority: i32,
}

/// The signed-in person, as pages need them (no ids, nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub display_name: String,
    pub role: Role,
    /// Must set up two-step verification before reaching anything else.
    #[serde(default)]
    pub must_enroll: bool,
}

/// Who is looking at the page: the signed-in person (or nobody), and the
/// session's CSRF token, which every form and state-changing call carries
/// as `csrf_token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
}

/// How long the current session has left. Reading it is not activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStatus {
    /// Seconds until the server ends the session unless there is activity
    /// (never beyond the absolute lifetime). 0 when not signed in.
    pub expires_in_secs: i64,
    /// The idle timeout of this session, for the sign-out message.
    pub idle_timeout_secs: i64,
    /// How long before the end the browser shows its warning.
    pub warn_before_secs: i64,
    /// The end is the session's absolute limit, which no activity moves.
    pub at_limit: bool,
    /// That limit: how long a session lasts from sign-in, however active.
    pub lifetime_secs: i64,
}

/// One of a person's sessions, for their Security page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Names the session to its owner (not the session key).
    pub handle: String,
    /// The session this page was loaded in.
    pub current: bool,
    /// "Firefox on Linux", from the user agent.
    pub device: String,
    pub ip: Option<String>,
    pub signed_in_secs_ago: i64,
    pub last_seen_secs_ago: i64,
}

/// A person of the practice, as the People page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: uuid::Uuid,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    /// Locked after failed sign-ins (until the lock runs out or is lifted).
    pub locked: bool,
    pub active_sessions: i64,
    /// Has an authenticator app set up for two-step verification.
    pub mfa_on: bool,
    /// The person looking at the list.
    pub you: bool,
    /// Never signed in when `None`.
    pub last_signed_in_secs_ago: Option<i64>,
    /// A staff account that has gone without a sign-in for longer than the
    /// practice allows (listed on the access review).
    pub unused: bool,
    /// The pending invitation of an account not yet set up.
    pub invitation: Option<InvitationAge>,
}

/// How old an invitation not yet used is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationAge {
    pub sent_secs_ago: i64,
    pub expired: bool,
}

/// A fresh invitation, for the inviter to copy and send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub display_name: String,
    pub url: String,
    pub valid_for_hours: u32,
}

/// Whom an invitation link is for, shown on the page that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

/// A security event, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub id: uuid::Uuid,
    pub kind: SecurityEventKind,
    pub device: Option<String>,
    pub ip: Option<String>,
    pub secs_ago: i64,
}

/// Browsers a device is described by: (marker in a user agent, name).
const BROWSERS: [(&str, &str); 5] = [
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
];
/// Systems a device is described by: (marker in a user agent, name).
const SYSTEMS: [(&str, &str); 7] = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
];
const SOME_BROWSER: &str = "A browser";
const UNKNOWN_DEVICE: &str = "Unknown device";

/// A short, readable device from a user agent string ("Firefox on
/// Windows"). This is all Cairn keeps of a user agent: the raw string is
/// free text anyone can send, and a fingerprint, so the server describes
/// it as the request comes in and stores only the description. A
/// description passed in again comes back unchanged.
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return UNKNOWN_DEVICE.to_owned();
    };
    if is_description(ua) {
        return ua.to_owned();
    }
    let browser = BROWSERS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map_or(SOME_BROWSER, |(_, name)| name);
    let system = SYSTEMS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// Whether `text` is something [`describe_device`] answers.
fn is_description(text: &str) -> bool {
    let is_browser =
        |name: &str| name == SOME_BROWSER || BROWSERS.iter().any(|(_, known)| *known == name);
    match text.split_once(" on ") {
        Some((browser, system)) => {
            is_browser(browser) && SYSTEMS.iter().any(|(_, known)| *known == system)
        }
        None => text == UNKNOWN_DEVICE || is_browser(text),
    }
}

/// A count with its noun: "1 view", "3 views", "1 addendum", "2 addenda".
/// Every count shown to a person goes through here, so none reads "1 views".
pub fn counted(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "just now", "5 minutes ago", "2 hours ago", "3 days ago".
pub fn ago(secs: i64) -> String {
    let before = match secs {
        ..60 => return "just now".to_owned(),
        60..3600 => counted(secs / 60, "minute", "minutes"),
        3600..86400 => counted(secs / 3600, "hour", "hours"),
        _ => counted(secs / 86400, "day", "days"),
    };
    format!("{before} ago")
}

/// Why the sign-in page was reached (`?reason=`, and for an idle timeout
/// `&after=` its length in seconds), shown as a notice above the form.
pub fn sign_in_notice(reason: &str, after_secs: Option<i64>) -> Option<String> {
    let text = match reason {
        "signed-out" => "You have signed out.".to_owned(),
        "expired" => match after_secs.filter(|secs| *secs > 0) {
            Some(secs) => format!(
                "You were signed out after {} of inactivity.",
                duration_words(secs)
            ),
            None => "You were signed out after a period of inactivity.".to_owned(),
        },
        "limit" => match after_secs.filter(|secs| *secs > 0) {
            Some(secs) => format!(
                "You were signed out: a session lasts at most {}, however active. Please sign in again.",
                duration_words(secs)
            ),
            None => "You were signed out: your session reached its time limit. Please sign in again."
                .to_owned(),
        },
        "ended" => "Your session was ended elsewhere: you signed out on another device, or an administrator ended it. Please sign in again.".to_owned(),
        "required" => "Please sign in to continue.".to_owned(),
        "everywhere" => "You have signed out on every device.".to_owned(),
        _ => return None,
    };
    Some(text)
}

/// "12 hours", "15 minutes", "1 minute", "20 seconds".
pub fn duration_words(secs: i64) -> String {
    if secs >= 3600 && secs % 3600 == 0 {
        counted(secs / 3600, "hour", "hours")
    } else if secs >= 60 && secs % 60 == 0 {
        counted(secs / 60, "minute", "minutes")
    } else {
        counted(secs, "second", "seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_of_one_takes_the_singular_and_any_other_the_plural() {
        assert_eq!(counted(1, "view", "views"), "1 view");
        assert_eq!(counted(0, "view", "views"), "0 views");
        assert_eq!(counted(2, "addendum", "addenda"), "2 addenda");
        assert_eq!(ago(61), "1 minute ago");
        assert_eq!(ago(7200), "2 hours ago");
    }

    #[test]
    fn devices_read_like_people_say_them() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_device(Some(firefox)), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
        assert_eq!(describe_device(Some(chrome)), "Chrome on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(Some(iphone)), "Safari on iPhone");
        assert_eq!(describe_device(None), "Unknown device");
    }

    #[test]
    fn a_description_is_described_as_itself_and_free_text_is_not_kept() {
        for described in [
            "Firefox on Linux",
            "A browser",
            "Safari on iPhone",
            "Unknown device",
        ] {
            assert_eq!(describe_device(Some(described)), described);
        }
        // Whatever a client sends, only the fixed words come back.
        let hostile = "Firefox/1 <script>alert(1)</script> Jane Doe DOB 1990-01-01 on Linux";
        assert_eq!(describe_device(Some(hostile)), "Firefox on Linux");
        assert_eq!(
            describe_device(Some("Jane Doe on Linux")),
            "A browser on Linux"
        );
    }

    #[test]
    fn the_timeout_notice_names_the_timeout() {
        assert_eq!(
            sign_in_notice("expired", Some(900)).as_deref(),
            Some("You were signed out after 15 minutes of inactivity.")
        );
        assert_eq!(
            sign_in_notice("expired", Some(20)).as_deref(),
            Some("You were signed out after 20 seconds of inactivity.")
        );
        assert!(sign_in_notice("expired", None).is_some());
        assert_eq!(sign_in_notice("<script>", None), None);
    }

    /// A session that ended for another reason than inactivity says so.
    #[test]
    fn the_notice_tells_why_a_session_ended() {
        assert_eq!(
            sign_in_notice("limit", Some(12 * 3600)).as_deref(),
            Some(
                "You were signed out: a session lasts at most 12 hours, however active. Please sign in again."
            )
        );
        let ended = sign_in_notice("ended", None).unwrap_or_default();
        assert!(ended.contains("ended elsewhere"), "{ended}");
        assert!(!ended.contains("inactivity"), "{ended}");
    }

    #[test]
    fn times_ago_are_rounded_down_to_a_unit() {
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(7199), "1 hour ago");
        assert_eq!(ago(3 * 86400), "3 days ago");
    }
}
