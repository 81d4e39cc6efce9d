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

/// What a successful sign-in tells the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub display_name: String,
    pub role: Role,
}
