//! A copy of a patient's designated record set, to take away: what the
//! patient downloads under their right of access and what the practice
//! exports for them. One value serves both forms, the readable document
//! and the FHIR bundle, so the two always hold the same things.
//! Psychotherapy notes are never part of it.

use crate::model::{
    amendment::{Amendment, ItemKind},
    chart::{Addendum, Diagnosis, NoteTemplate, TreatmentPlan},
    details::InsurancePolicy,
    measures::Trend,
    patient::MyInformation,
    safety_plan::SafetyPlan,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Every section of one patient's record, as of `made_at`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCopy {
    /// The practice that keeps the record.
    pub practice: String,
    /// When the copy was made, to the minute in the practice's zone.
    pub made_at: String,
    /// The same moment as RFC 3339 in UTC, for the bundle's timestamp.
    pub made_at_utc: String,
    pub patient_id: Uuid,
    /// Identity, contact and the other details the practice keeps.
    pub patient: MyInformation,
    pub insurance: Vec<InsurancePolicy>,
    pub diagnoses: Vec<Diagnosis>,
    pub treatment_plan: Option<TreatmentPlan>,
    pub safety_plan: Option<SafetyPlan>,
    /// Questionnaires answered, one trend per instrument.
    pub measures: Vec<Trend>,
    /// Signed progress notes, oldest session first, addenda included.
    pub notes: Vec<CopiedNote>,
    /// Every amendment the patient asked for, with its decision and any
    /// statement of disagreement: each travels with the item it is about.
    pub amendments: Vec<Amendment>,
    /// Signed notes of substance-use counseling left out: the copy was
    /// made by staff (it may leave the practice) and no consent to
    /// disclose them (42 CFR Part 2) was in force.
    pub sud_withheld: u32,
    /// Whether it holds notes of substance-use counseling and goes with
    /// the notice 42 CFR 2.32 requires (`model::consent::PART2_NOTICE`).
    pub part2_notice: bool,
    /// What the disclosure this copy was made for was recorded despite.
    pub warnings: Vec<crate::model::disclosure::DisclosureWarning>,
}

impl RecordCopy {
    /// The amendments about items of `kind` (of the one item `id`, when
    /// given), oldest first.
    pub fn amendments_about(&self, kind: ItemKind, id: Option<Uuid>) -> Vec<Amendment> {
        self.amendments
            .iter()
            .rev()
            .filter(|a| a.item_kind == kind && id.is_none_or(|id| a.item_id == id))
            .cloned()
            .collect()
    }
}

/// One signed progress note in a copy.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedNote {
    pub id: Uuid,
    pub template: NoteTemplate,
    /// `YYYY-MM-DD`.
    pub session_date: String,
    pub author: String,
    /// To the minute, in the practice's zone.
    pub signed_at: String,
    /// RFC 3339 in UTC.
    pub signed_at_utc: String,
    /// (heading, text) in the template's order; empty sections left out.
    pub sections: Vec<(String, String)>,
    pub addenda: Vec<Addendum>,
    /// A note of substance-use disorder counseling (42 CFR Part 2).
    pub sud: bool,
}

impl CopiedNote {
    /// The note as plain text: its sections under their headings, then each
    /// addendum with who wrote it and when. What the bundle carries as the
    /// note's document.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (heading, body) in &self.sections {
            text.push_str(heading);
            text.push('\n');
            text.push_str(body);
            text.push_str("\n\n");
        }
        for addendum in &self.addenda {
            text.push_str(&format!(
                "Addendum by {}, {}\n{}\n\n",
                addendum.author, addendum.written_at, addendum.text
            ));
        }
        text.truncate(text.trim_end().len());
        text
    }
}

/// Health information: never printed with its content.
impl std::fmt::Debug for RecordCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordCopy(<redacted>)")
    }
}

/// Health information: never printed with its content.
impl std::fmt::Debug for CopiedNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CopiedNote(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_reads_as_its_sections_then_its_addenda() {
        let note = CopiedNote {
            id: Uuid::nil(),
            template: NoteTemplate::Dap,
            session_date: "2026-11-02".into(),
            author: "Dr. Example".into(),
            signed_at: "Mon 2 Nov 2026, 15:00 CST".into(),
            signed_at_utc: "2026-11-02T21:00:00Z".into(),
            sections: vec![
                ("Data".into(), "Slept better.".into()),
                ("Plan".into(), "Continue.".into()),
            ],
            addenda: vec![Addendum {
                author: "Dr. Example".into(),
                written_at: "Tue 3 Nov 2026, 09:00 CST".into(),
                text: "Dose is 10 mg, not 20.".into(),
            }],
            sud: false,
        };
        assert_eq!(
            note.text(),
            "Data\nSlept better.\n\nPlan\nContinue.\n\nAddendum by Dr. Example, Tue 3 Nov 2026, 09:00 CST\nDose is 10 mg, not 20."
        );
    }
}
