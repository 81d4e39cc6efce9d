//! Types that cross the wire between server and browser, and the validation
//! rules both sides share (the server always re-checks; the browser only
//! helps).

pub mod account;
pub mod validate;

pub use account::{Role, UserStatus};

use serde::{Deserialize, Serialize};

/// Public facts about the practice, shown before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeInfo {
    /// The practice's name, or `None` when no practice is set up yet.
    pub name: Option<String>,
}

/// The signed-in person, as pages need them (no ids, nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub display_name: String,
    pub role: Role,
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
}

/// Why the sign-in page was reached, shown as a notice above the form.
pub fn sign_in_notice(reason: &str) -> Option<&'static str> {
    match reason {
        "signed-out" => Some("You have signed out."),
        "expired" => {
            Some("You were signed out after a period of inactivity. Please sign in again.")
        }
        "required" => Some("Please sign in to continue."),
        _ => None,
    }
}
