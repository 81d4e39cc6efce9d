//! Who a session speaks for. A leaf (the model and nothing else), because
//! the trail names the person acting and the session's own parts write to
//! the trail.

use crate::model::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who is signed in to a session. Stored in the session data; the store
/// copies the user id and timings into columns. Ids only, never a name or
/// an email: that someone is a patient here is itself health information,
/// and session rows are not sealed. (Rows written before kept a
/// `display_name`; it is ignored when read and gone at the next write.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    /// Unix seconds of the password check.
    pub authenticated_at: i64,
    pub idle_timeout_secs: u32,
    /// Unix seconds after which the session is over, however active.
    pub absolute_expires_at: i64,
    /// Where the sign-in came from, for the user's list of sessions.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Unix seconds of the last second-factor proof in this session (the
    /// sign-in code, or a later step-up); `None`: none yet.
    #[serde(default)]
    pub mfa_at: Option<i64>,
    /// The role requires two-step verification and the person has not set
    /// it up: the session reaches the setup and nothing else.
    #[serde(default)]
    pub must_enroll: bool,
}
