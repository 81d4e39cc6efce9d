//! How long the practice keeps records, as administrators review it: the
//! records whose retention has ended (which may be erased), the records
//! kept under a legal hold, and what is left of the records erased.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most characters a legal hold's reason (or the reason for lifting
/// it) may have.
pub const HOLD_REASON_MAX: usize = 500;

/// The retention page.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReview {
    /// The practice's period, in years after the last activity.
    pub years: i32,
    pub age_of_majority: i32,
    /// Records whose retention has ended and that no hold keeps, the
    /// longest ended first.
    pub due: Vec<RetentionRow>,
    /// Records a legal hold keeps, whatever their date.
    pub held: Vec<RetentionRow>,
    /// Records erased, the most recent first (at most [`ERASED_SHOWN`]).
    pub erased: Vec<ErasedRecord>,
    /// Patients who asked for their record to be erased (the latest
    /// request of each), the most recent first.
    pub requests: Vec<ErasureRequestRow>,
}

/// How many erased records the page lists.
pub const ERASED_SHOWN: usize = 50;

/// One record on the retention page.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRow {
    pub patient_id: Uuid,
    /// `None` when the record does not open ("record unreadable").
    pub legal_name: Option<String>,
    /// `YYYY-MM-DD`: the last thing that happened in the record.
    pub last_activity: String,
    /// `YYYY-MM-DD`: the day the practice keeps it until (`None`: it did
    /// not open, so it is never offered for erasure).
    pub kept_until: Option<String>,
    /// Kept past the period because the patient was a minor.
    pub minor: bool,
    pub hold: Option<HoldShown>,
}

/// A legal hold in force.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldShown {
    pub reason: String,
    /// `YYYY-MM-DD`, the practice's day.
    pub placed_on: String,
    pub placed_by: String,
}

/// The answer to a patient's request to have their record erased: when it
/// becomes possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureAnswer {
    /// `YYYY-MM-DD`, each, in the practice's zone.
    pub requested_on: String,
    /// The end of the record's retention.
    pub possible_on: String,
    /// A legal hold keeps the record, whatever the day.
    pub held: bool,
    /// The retention has ended and no hold keeps it: the administrators
    /// may erase it now.
    pub possible_now: bool,
}

/// A patient's request, as the retention page lists it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRequestRow {
    pub patient_id: Uuid,
    /// `None` when the record does not open.
    pub legal_name: Option<String>,
    pub answer: ErasureAnswer,
}

/// A name: never printed.
impl std::fmt::Debug for ErasureRequestRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErasureRequestRow(<redacted>)")
    }
}

/// What is left of an erased record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedRecord {
    pub patient_id: Uuid,
    /// `YYYY-MM-DD`, each.
    pub created_on: String,
    pub last_activity: String,
    pub kept_until: String,
    pub erased_on: String,
    /// The administrator, or `None` for the operator's command.
    pub erased_by: Option<String>,
}

/// Names and reasons: never printed.
impl std::fmt::Debug for RetentionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetentionRow(<redacted>)")
    }
}

impl std::fmt::Debug for HoldShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HoldShown(<redacted>)")
    }
}

impl std::fmt::Debug for RetentionReview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RetentionReview({} due, {} held, {} erased)",
            self.due.len(),
            self.held.len(),
            self.erased.len()
        )
    }
}
