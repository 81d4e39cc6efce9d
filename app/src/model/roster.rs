//! The practice's patient roster as administrators see it: the minimum to
//! run the practice (who the patient is, whether they use the portal, who
//! treats them) and nothing clinical.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A therapist, as a care team lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: Uuid,
    pub name: String,
}

/// One patient on the roster.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub patient_id: Uuid,
    /// `None` when the record does not open ("record unreadable").
    pub legal_name: Option<String>,
    /// Whether they have a portal account.
    pub portal_account: bool,
    pub care_team: Vec<TeamMember>,
}

/// The roster, with the therapists who can join a care team.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    pub therapists: Vec<TeamMember>,
}

/// Names of patients: never printed.
impl std::fmt::Debug for RosterRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RosterRow(<redacted>)")
    }
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Roster({} rows)", self.rows.len())
    }
}
