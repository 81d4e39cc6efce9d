//! The capability to open one patient's record: a [`PatientAccess`], and
//! what it reaches ([`Reach`]). Only the access path (this module's parent)
//! builds one, inside the transaction that records it; the vault asks it
//! which columns it opens before opening any.
//!
//! A leaf: it uses the vault's column registry and the model, and nothing
//! that leads back to the vault, which uses it.

use crate::{
    backend::{
        identity::session::signed_in::SignedIn,
        vault::columns::{self, Column, Purpose},
    },
    model::chart::NoteKind,
};
use uuid::Uuid;

/// An authorized access to one patient's record, alive only inside the
/// transaction that records it ([`super::within`]). Opens that patient's sealed
/// values and no one else's.
#[derive(Debug)]
pub struct PatientAccess {
    pub(super) organization_id: Uuid,
    pub(super) patient_id: Uuid,
    pub(super) reach: Reach,
    /// The therapist whose own (and shared) psychotherapy notes a chart's
    /// list of notes shows: the one who opened it from the care team.
    /// None under emergency access, which never reaches one.
    pub(super) notes_of: Option<Uuid>,
    /// Private to the access path: no one else can build one.
    pub(super) _recorded: (),
}

impl PatientAccess {
    /// Whether this access opens `column` where a key of `purpose` sealed
    /// it: a chart opens every part of the record; a patient's own record
    /// their details, their treatment and safety plans, their own answers to
    /// questionnaires, why anyone broke the glass to reach them and to whom
    /// the practice disclosed their record (no
    /// notes, no diagnoses, no clinician's note on their answers);
    /// the practice's roster the legal name alone. Only an access to one
    /// psychotherapy note opens what the patient's psychotherapy key
    /// sealed (that note and its addenda), and of the record no more than
    /// the patient's details, for the note's heading. The vault asks
    /// before it opens anything, so a portal page cannot open a note even
    /// by mistake, nor a chart a psychotherapy note.
    pub fn opens(&self, column: Column, purpose: Purpose) -> bool {
        let details = column.table == columns::PATIENT_LEGAL_NAME.table;
        let note = column == columns::NOTE_BODY || column == columns::ADDENDUM_BODY;
        match (self.reach, purpose) {
            (Reach::Chart, Purpose::Record) => true,
            (Reach::OwnRecord, Purpose::Record) => {
                details
                    || column == columns::PLAN_BODY
                    || column == columns::SAFETY_PLAN_BODY
                    || column == columns::MEASURE_ANSWERS
                    || column == columns::EMERGENCY_REASON
                    || column == columns::DISCLOSURE_BODY
                    || column == columns::CONSENT_BODY
            }
            // Running the practice: the name, and why someone broke the
            // glass (the situation, never clinical detail) for the review.
            (Reach::Roster, Purpose::Record) => {
                column == columns::PATIENT_LEGAL_NAME || column == columns::EMERGENCY_REASON
            }
            // A copy of the designated record set: everything the record's
            // key sealed. Psychotherapy notes are not part of it (HIPAA
            // keeps them out of the right of access), and their key is
            // another purpose, so no export can open one even by mistake.
            (Reach::RecordSet, Purpose::Record) => true,
            // Whether the record has reached the end of its retention,
            // and why the practice keeps it longer.
            (Reach::Retention, Purpose::Record) => is_retention(column),
            (Reach::PsychotherapyNote { .. }, Purpose::Record) => details,
            (Reach::PsychotherapyNote { .. }, Purpose::Psychotherapy) => note,
            (
                Reach::Chart
                | Reach::OwnRecord
                | Reach::Roster
                | Reach::RecordSet
                | Reach::Retention,
                Purpose::Psychotherapy,
            ) => false,
        }
    }

    /// The key purpose what this access writes is sealed with.
    pub fn seals_with(&self) -> Purpose {
        match self.reach {
            Reach::PsychotherapyNote { .. } => Purpose::Psychotherapy,
            Reach::Chart
            | Reach::OwnRecord
            | Reach::Roster
            | Reach::RecordSet
            | Reach::Retention => Purpose::Record,
        }
    }

    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    pub fn patient_id(&self) -> Uuid {
        self.patient_id
    }

    /// Whose psychotherapy notes a list of this chart's notes may show
    /// (see `care_team::listed_for`).
    pub fn notes_of(&self) -> Option<Uuid> {
        self.notes_of
    }
}

/// What the retention of a record reads: the legal name, the date of
/// birth, and the reasons of legal holds.
fn is_retention(column: Column) -> bool {
    column == columns::PATIENT_LEGAL_NAME
        || column == columns::PATIENT_DATE_OF_BIRTH
        || column == columns::LEGAL_HOLD_REASON
        || column == columns::LEGAL_HOLD_LIFT_REASON
}

/// What a person wants to reach in a patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Their own details, through the portal.
    OwnRecord,
    /// The chart: details and clinical notes.
    Chart,
    /// The practice's patient list, for running the practice: a name, and
    /// nothing clinical.
    Roster,
    /// One psychotherapy note (and its addenda): whether the person asking
    /// wrote it, and whether its author shares it with the care team.
    PsychotherapyNote { wrote_it: bool, shared: bool },
    /// A copy of the whole designated record set, to take away (the
    /// patient's right of access, or the practice exporting it): every
    /// part of the record but psychotherapy notes.
    RecordSet,
    /// How long the practice keeps the record: the legal name, the date of
    /// birth (a minor's record is kept past their majority) and the
    /// reasons of any legal hold; nothing clinical.
    Retention,
}

impl Reach {
    /// Every reach there is, for tests that go through them all.
    #[cfg(test)]
    pub(super) const ALL: [Reach; 9] = [
        Reach::OwnRecord,
        Reach::Chart,
        Reach::Roster,
        Reach::RecordSet,
        Reach::Retention,
        Reach::PsychotherapyNote {
            wrote_it: false,
            shared: false,
        },
        Reach::PsychotherapyNote {
            wrote_it: true,
            shared: false,
        },
        Reach::PsychotherapyNote {
            wrote_it: false,
            shared: true,
        },
        Reach::PsychotherapyNote {
            wrote_it: true,
            shared: true,
        },
    ];

    /// Whether it reaches a record removed from the practice's lists:
    /// retention alone (a removed record is kept for it, then erased).
    pub fn reaches_removed(self) -> bool {
        matches!(self, Reach::Retention)
    }

    /// What reaching a note of `kind` is, for `who`: a progress note is
    /// part of the chart; a psychotherapy note is its own.
    pub fn note(kind: NoteKind, who: &SignedIn, author_id: Uuid, shared: bool) -> Self {
        match kind {
            NoteKind::Progress => Reach::Chart,
            NoteKind::Psychotherapy => Reach::PsychotherapyNote {
                wrote_it: author_id == who.user_id,
                shared,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(reach: Reach) -> PatientAccess {
        PatientAccess {
            organization_id: Uuid::nil(),
            patient_id: Uuid::nil(),
            reach,
            notes_of: None,
            _recorded: (),
        }
    }

    /// What each kind of access opens: the roster a name, the portal the
    /// patient's details, plan and emergency reasons, the chart everything the record's key
    /// sealed, a psychotherapy note its own body and addenda (and the
    /// patient's details for its heading).
    #[test]
    fn each_reach_opens_only_its_columns() {
        use Purpose::{Psychotherapy, Record};
        let note = Reach::PsychotherapyNote {
            wrote_it: true,
            shared: false,
        };
        for registered in columns::ALL {
            let column = registered.column;
            let details = column.table == "patients";
            let note_text = column == columns::NOTE_BODY || column == columns::ADDENDUM_BODY;
            assert!(access(Reach::Chart).opens(column, Record), "{column:?}");
            assert!(access(Reach::RecordSet).opens(column, Record), "{column:?}");
            assert_eq!(
                access(Reach::Roster).opens(column, Record),
                column == columns::PATIENT_LEGAL_NAME || column == columns::EMERGENCY_REASON,
                "{column:?}"
            );
            assert_eq!(
                access(Reach::OwnRecord).opens(column, Record),
                details
                    || column == columns::PLAN_BODY
                    || column == columns::SAFETY_PLAN_BODY
                    || column == columns::MEASURE_ANSWERS
                    || column == columns::EMERGENCY_REASON
                    || column == columns::DISCLOSURE_BODY
                    || column == columns::CONSENT_BODY,
                "{column:?}"
            );
            assert_eq!(
                access(Reach::Retention).opens(column, Record),
                column == columns::PATIENT_LEGAL_NAME
                    || column == columns::PATIENT_DATE_OF_BIRTH
                    || column.table == "legal_holds",
                "{column:?}"
            );
            assert_eq!(access(note).opens(column, Record), details, "{column:?}");
            assert_eq!(
                access(note).opens(column, Psychotherapy),
                note_text,
                "{column:?}"
            );
            for reach in [
                Reach::Chart,
                Reach::OwnRecord,
                Reach::Roster,
                Reach::RecordSet,
                Reach::Retention,
            ] {
                assert!(!access(reach).opens(column, Psychotherapy), "{reach:?}");
                assert_eq!(access(reach).seals_with(), Record);
            }
        }
        assert_eq!(access(note).seals_with(), Psychotherapy);
        assert!(!access(Reach::OwnRecord).opens(columns::NOTE_BODY, Record));
        assert!(!access(Reach::OwnRecord).opens(columns::DIAGNOSIS_BODY, Record));
        assert!(!access(Reach::Retention).opens(columns::NOTE_BODY, Record));
    }
}
