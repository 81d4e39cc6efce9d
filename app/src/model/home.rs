//! A therapist's home page: what needs them. Patients are named by their
//! legal name (`None`: the record did not open).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TherapistHome {
    /// Their drafts waiting to be signed, oldest session first.
    pub drafts: Vec<DraftToSign>,
    /// Plans due for review within [`PLANS_DUE_WITHIN_DAYS`] days or
    /// overdue, soonest first.
    pub plans_due: Vec<PlanDue>,
    /// Charts they opened in the last 30 days, most recent first.
    pub recent: Vec<PatientLink>,
    /// Patients on their caseload whose questionnaire's safety item waits
    /// for a clinician.
    pub to_review: Vec<PatientLink>,
    /// Patients on their caseload whose amendment requests wait for a
    /// decision, the soonest due first.
    pub amendments: Vec<AmendmentsDue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentsDue {
    pub patient: PatientLink,
    pub waiting: crate::model::amendment::AmendmentsWaiting,
}

/// How far ahead a plan's review counts as due.
pub const PLANS_DUE_WITHIN_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientLink {
    pub patient_id: Uuid,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftToSign {
    pub note_id: Uuid,
    pub patient: PatientLink,
    /// `YYYY-MM-DD`.
    pub session_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDue {
    pub patient: PatientLink,
    /// `YYYY-MM-DD`.
    pub review_date: String,
    /// The review date has passed (in the practice).
    pub overdue: bool,
}
