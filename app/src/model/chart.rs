//! The therapist's side of the record as it crosses the wire: the caseload,
//! a patient's chart and its notes. Built on the server from opened values,
//! explicitly; every type holding health information prints as redacted.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

stored_enum! {
    /// How a note's body is laid out.
    pub enum NoteTemplate {
        /// Subjective, Objective, Assessment, Plan.
        Soap => "soap",
        /// Data, Assessment, Plan.
        Dap => "dap",
    }
}

stored_enum! {
    /// Progress notes belong to the chart; psychotherapy notes are the
    /// author's own (HIPAA treats them apart).
    pub enum NoteKind {
        Progress => "progress",
        Psychotherapy => "psychotherapy",
    }
}

stored_enum! {
    /// A draft is edited; a signed note is locked (corrections are addenda).
    pub enum NoteStatus {
        Draft => "draft",
        Signed => "signed",
    }
}

/// One section of a template: its form field name, its heading, and a line
/// saying what belongs in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub field: &'static str,
    pub heading: &'static str,
    pub hint: &'static str,
}

const fn section(field: &'static str, heading: &'static str, hint: &'static str) -> Section {
    Section {
        field,
        heading,
        hint,
    }
}

/// Every section field any template uses (the note form's field names).
pub const SECTION_FIELDS: &[&str] = &["subjective", "objective", "data", "assessment", "plan"];

impl NoteKind {
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Progress => "Progress note",
            NoteKind::Psychotherapy => "Psychotherapy note",
        }
    }

    /// Who reads a note of this kind, in a sentence.
    pub fn readers(self, shared: bool) -> &'static str {
        match (self, shared) {
            (NoteKind::Progress, _) => "Part of the chart: the care team reads it.",
            (NoteKind::Psychotherapy, false) => {
                "Kept apart from the chart: only you read it. Never shown in the patient portal."
            }
            (NoteKind::Psychotherapy, true) => {
                "Kept apart from the chart, shared with the care team. Never shown in the patient portal."
            }
        }
    }
}

impl NoteTemplate {
    pub fn label(self) -> &'static str {
        match self {
            NoteTemplate::Soap => "SOAP",
            NoteTemplate::Dap => "DAP",
        }
    }

    /// The sections, in order.
    pub fn sections(self) -> &'static [Section] {
        match self {
            NoteTemplate::Soap => SOAP,
            NoteTemplate::Dap => DAP,
        }
    }
}

const ASSESSMENT: Section = section(
    "assessment",
    "Assessment",
    "Your clinical impression: progress, risk, response to treatment.",
);
const PLAN: Section = section(
    "plan",
    "Plan",
    "Next steps: interventions, homework, next session.",
);
const SOAP: &[Section] = &[
    section(
        "subjective",
        "Subjective",
        "What the patient reports, in their words where it helps.",
    ),
    section(
        "objective",
        "Objective",
        "What you observed: affect, behaviour, measures.",
    ),
    ASSESSMENT,
    PLAN,
];
const DAP: &[Section] = &[
    section(
        "data",
        "Data",
        "What was reported and observed in the session.",
    ),
    ASSESSMENT,
    PLAN,
];

stored_enum! {
    /// A diagnosis is active until resolved (a wrong entry is resolved
    /// too: nothing in a chart is removed).
    pub enum DiagnosisStatus {
        Active => "active",
        Resolved => "resolved",
    }
}

/// One diagnosis on the chart.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub id: Uuid,
    /// ICD-10 code, as `F41.1`.
    pub code: String,
    pub description: String,
    pub status: DiagnosisStatus,
    /// `YYYY-MM-DD`.
    pub onset_date: String,
    pub resolved_date: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// The patient's current treatment plan: each list one item per line as
/// typed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatmentPlan {
    pub goals: Vec<String>,
    pub objectives: Vec<String>,
    pub interventions: Vec<String>,
    /// When it is next reviewed, `YYYY-MM-DD`.
    pub review_date: String,
    /// What a save must name (see notes).
    pub version: i32,
    pub updated_by: String,
    /// to the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST").
    pub updated_at: String,
}

/// Longest diagnosis description, in characters.
pub const DIAGNOSIS_DESCRIPTION_MAX: usize = 250;
/// Most items in one list of a treatment plan.
pub const PLAN_ITEMS_MAX: usize = 20;
/// Longest item of a treatment plan, in characters.
pub const PLAN_ITEM_MAX: usize = 500;

/// Longest section, in characters.
pub const SECTION_MAX: usize = 20_000;
/// Longest addendum, in characters.
pub const ADDENDUM_MAX: usize = 10_000;

/// One patient on a therapist's caseload.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadRow {
    pub patient_id: Uuid,
    /// `None` when the record does not open ("record unreadable").
    pub legal_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// The date of the latest session with a note, `YYYY-MM-DD`.
    pub last_seen: Option<String>,
    /// Drafts waiting to be signed (by anyone on the team).
    pub open_drafts: u32,
    /// A questionnaire's safety item waits for a clinician.
    pub to_review: bool,
    /// How they ask to be addressed ("goes by Ave · they/them").
    pub goes_by: Option<String>,
}

stored_enum! {
    /// How the caseload is ordered.
    pub enum CaseloadSort {
        Name => "name",
        LastSeen => "last-seen",
        DateOfBirth => "dob",
    }
}

/// The caseload as asked for: the search as typed, and the rows.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caseload {
    pub rows: Vec<CaseloadRow>,
    /// Patients on the caseload at all (before the search).
    pub total: u32,
    /// Patients of the practice, not on this caseload, whose blind index
    /// matches the search: nothing about them is opened or shown, not even
    /// their id. Each is an opaque handle, good in this session only, that
    /// emergency access can open the chart with.
    pub elsewhere: Vec<String>,
}

/// A note as the chart lists it: no content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: Uuid,
    pub kind: NoteKind,
    /// A psychotherapy note its author shares with the care team.
    pub shared: bool,
    pub template: NoteTemplate,
    /// `YYYY-MM-DD`.
    pub session_date: String,
    pub status: NoteStatus,
    pub author: String,
    /// When it was signed, to the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST").
    pub signed_at: Option<String>,
    pub addenda: u32,
}

/// A therapist's view of one patient's chart.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub patient_id: Uuid,
    pub legal_name: String,
    pub date_of_birth: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Names of the therapists on the care team.
    pub care_team: Vec<String>,
    pub notes: Vec<NoteSummary>,
    /// Active first, then resolved; most recent onset first within each.
    pub diagnoses: Vec<Diagnosis>,
    pub plan: Option<TreatmentPlan>,
    pub safety_plan: Option<crate::model::safety_plan::SafetyPlan>,
    /// Preferred name, pronouns, gender, language, address, emergency contact.
    pub details: crate::model::details::PatientDetails,
    /// The primary policy first, then the others in use, then ended ones.
    pub insurance: Vec<crate::model::details::InsurancePolicy>,
    /// Questionnaires assigned, and the scores over time.
    pub measures: crate::model::measures::ChartMeasures,
    /// Amendments the patient asked for that wait for a decision.
    pub amendments: Option<crate::model::amendment::AmendmentsWaiting>,
    /// The consents in force, newest first.
    pub consents: Vec<crate::model::consent::Consent>,
    /// When the chart is open through emergency access: until when
    /// (to the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST")).
    pub emergency_until: Option<String>,
}

/// An emergency access just started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyGranted {
    pub patient_id: Uuid,
    /// to the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST").
    pub until: String,
}

/// One note, opened.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub kind: NoteKind,
    /// A psychotherapy note its author shares with the care team.
    pub shared: bool,
    /// A note of substance-use disorder counseling (42 CFR Part 2): it
    /// leaves the practice only under the patient's consent.
    pub sud: bool,
    pub template: NoteTemplate,
    pub session_date: String,
    /// Section text by field name, in the template's order.
    pub sections: Vec<(String, String)>,
    pub status: NoteStatus,
    /// What a save must name: edits to an older version are refused.
    pub version: i32,
    pub author: String,
    /// Whether the person asking wrote it (only the author edits a draft).
    pub mine: bool,
    pub signed_at: Option<String>,
    pub updated_at: String,
    pub addenda: Vec<Addendum>,
}

impl NoteView {
    /// The text of section `field` (empty when absent).
    pub fn section(&self, field: &str) -> &str {
        self.sections
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, text)| text.as_str())
    }
}

/// A dated correction to a signed note.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addendum {
    pub author: String,
    /// to the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST").
    pub written_at: String,
    pub text: String,
}

/// What a save of a draft answers: where it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedNote {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub version: i32,
    pub status: NoteStatus,
    /// `HH:MM:SS` and the zone's abbreviation, for "Saved at …".
    pub saved_at: String,
}

macro_rules! redacted_debug {
    ($($ty:ty),+) => {$(
        /// Health information: never printed with its content.
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    )+};
}

redacted_debug!(
    CaseloadRow,
    Caseload,
    Chart,
    NoteView,
    Addendum,
    Diagnosis,
    TreatmentPlan
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_field_is_known_and_templates_end_with_a_plan() {
        for template in NoteTemplate::ALL {
            let sections = template.sections();
            assert!(sections.iter().all(|s| SECTION_FIELDS.contains(&s.field)));
            assert_eq!(sections.last().map(|s| s.field), Some("plan"));
        }
        assert_eq!(NoteTemplate::Soap.sections().len(), 4);
        assert_eq!(NoteTemplate::Dap.sections().len(), 3);
    }

    #[test]
    fn health_information_prints_redacted() {
        let addendum = Addendum {
            author: "Dr. Example".into(),
            written_at: "2026-01-01 10:00 UTC".into(),
            text: "Patient disclosed something private".into(),
        };
        assert_eq!(format!("{addendum:?}"), "Addendum(<redacted>)");
    }
}
