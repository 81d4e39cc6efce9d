//! Every sealed PHI column, in one list: rotation walks it, and a test
//! checks it against the database (a `*_sealed` column missing here would
//! be skipped by a rotation and then lost with its retired key).

//!
//! A leaf of the vault: what a column is and which purpose of key seals
//! it, with nothing that leads back to the access path (which asks these).

use super::sealed::Binding;
use uuid::Uuid;

/// A sealed column: where its values are bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub table: &'static str,
    pub column: &'static str,
}

impl Column {
    /// The binding of this column's value in row `row`.
    pub fn at(self, row: Uuid) -> Binding<'static> {
        Binding {
            table: self.table,
            column: self.column,
            row: row.into(),
        }
    }
}

/// What a patient's data key seals. Psychotherapy notes have a key of
/// their own (HIPAA keeps them apart from the record): an access to the
/// chart opens the record's key and never theirs, and the patient's two
/// keys rotate and can be destroyed apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    Record,
    Psychotherapy,
}

impl Purpose {
    pub const ALL: &'static [Purpose] = &[Purpose::Record, Purpose::Psychotherapy];

    /// As stored in `data_keys.purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Record => "record",
            Purpose::Psychotherapy => "psychotherapy",
        }
    }

    /// From `data_keys.purpose`; `None` for a word this build does not know.
    pub fn parse(stored: &str) -> Option<Self> {
        Purpose::ALL.iter().copied().find(|p| p.as_str() == stored)
    }
}

const fn patients(column: &'static str) -> Column {
    Column {
        table: "patients",
        column,
    }
}

pub const PATIENT_LEGAL_NAME: Column = patients("legal_name_sealed");
pub const PATIENT_PREFERRED_NAME: Column = patients("preferred_name_sealed");
pub const PATIENT_PRONOUNS: Column = patients("pronouns_sealed");
pub const PATIENT_DATE_OF_BIRTH: Column = patients("date_of_birth_sealed");
pub const PATIENT_SEX_GENDER: Column = patients("sex_gender_sealed");
pub const PATIENT_EMAIL: Column = patients("email_sealed");
pub const PATIENT_PHONE: Column = patients("phone_sealed");
pub const PATIENT_ADDRESS: Column = patients("address_sealed");
pub const PATIENT_EMERGENCY_CONTACT: Column = patients("emergency_contact_sealed");
pub const PATIENT_LANGUAGE: Column = patients("language_sealed");

/// A clinical note's sections, sealed as one value.
pub const NOTE_BODY: Column = Column {
    table: "clinical_notes",
    column: "body_sealed",
};
/// An addendum's text.
pub const ADDENDUM_BODY: Column = Column {
    table: "note_addenda",
    column: "body_sealed",
};

/// A diagnosis: ICD-10 code and description, sealed as one value.
pub const DIAGNOSIS_BODY: Column = Column {
    table: "diagnoses",
    column: "body_sealed",
};
/// A treatment plan: goals, objectives and interventions, as one value.
pub const PLAN_BODY: Column = Column {
    table: "treatment_plans",
    column: "body_sealed",
};

/// A safety plan: every step with its lines, as one value.
pub const SAFETY_PLAN_BODY: Column = Column {
    table: "safety_plans",
    column: "body_sealed",
};

/// An insurance policy: payer, member and group numbers, subscriber and
/// effective dates, as one value.
pub const INSURANCE_BODY: Column = Column {
    table: "insurance_policies",
    column: "body_sealed",
};

/// A disclosure of the record: recipient, what was disclosed, purpose and
/// legal basis, as one value.
pub const DISCLOSURE_BODY: Column = Column {
    table: "disclosures",
    column: "body_sealed",
};

/// A consent a patient gave: the name they signed with and, for a
/// release, who may receive what and why, as one value.
pub const CONSENT_BODY: Column = Column {
    table: "consents",
    column: "body_sealed",
};

/// A correction of a patient's legal name or date of birth: the reason and
/// the values it replaced, as one value.
pub const IDENTITY_CORRECTION_BODY: Column = Column {
    table: "identity_corrections",
    column: "body_sealed",
};

/// An amendment a patient asked for: the item as they saw it named, and
/// their words.
pub const AMENDMENT_REQUEST: Column = Column {
    table: "amendments",
    column: "request_sealed",
};
/// Why the practice took 30 more days to decide an amendment.
pub const AMENDMENT_EXTENSION: Column = Column {
    table: "amendments",
    column: "extension_sealed",
};
/// The practice's decision on an amendment: the amendment made, or the
/// reason for denying it.
pub const AMENDMENT_DECISION: Column = Column {
    table: "amendments",
    column: "decision_sealed",
};
/// The patient's statement of disagreement with a denial.
pub const AMENDMENT_DISAGREEMENT: Column = Column {
    table: "amendments",
    column: "disagreement_sealed",
};

/// A patient's answers to a questionnaire, with their score.
pub const MEASURE_ANSWERS: Column = Column {
    table: "measure_responses",
    column: "answers_sealed",
};
/// What a clinician noted on acknowledging a positive safety item.
pub const MEASURE_ACKNOWLEDGEMENT: Column = Column {
    table: "measure_responses",
    column: "acknowledgement_sealed",
};

/// Why a therapist broke the glass, as they typed it: free text about a
/// patient, so sealed with that patient's key (erasing them erases it).
pub const EMERGENCY_REASON: Column = Column {
    table: "emergency_access",
    column: "reason_sealed",
};

/// Why the practice keeps a record past its retention (a legal hold),
/// and why the hold was lifted: free text about one patient.
pub const LEGAL_HOLD_REASON: Column = Column {
    table: "legal_holds",
    column: "reason_sealed",
};
pub const LEGAL_HOLD_LIFT_REASON: Column = Column {
    table: "legal_holds",
    column: "lift_reason_sealed",
};

/// An administrator's note on a reviewed alert: free text that may name
/// anyone, about no one patient, so sealed with the practice's key.
pub const ALERT_REVIEW_NOTE: Column = Column {
    table: "audit_alert_reviews",
    column: "note_sealed",
};

/// A patient's portal account: its email and the name it goes by. The
/// practice's key seals them (an account need not have a record yet);
/// staff accounts keep theirs readable.
pub const ACCOUNT_EMAIL: Column = Column {
    table: "users",
    column: "email_sealed",
};
pub const ACCOUNT_NAME: Column = Column {
    table: "users",
    column: "display_name_sealed",
};

/// A sealed column and where its rows name their id and their patient
/// (whose key seals the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    pub column: Column,
    pub id_column: &'static str,
    pub patient_column: &'static str,
}

const fn of_patient(column: Column) -> Registered {
    Registered {
        column,
        id_column: "id",
        patient_column: "id",
    }
}

/// A column of a table whose rows name their patient in `patient_id`.
const fn in_chart(column: Column) -> Registered {
    Registered {
        column,
        id_column: "id",
        patient_column: "patient_id",
    }
}

/// Every sealed PHI column. Add new ones here.
pub const ALL: &[Registered] = &[
    of_patient(PATIENT_LEGAL_NAME),
    of_patient(PATIENT_PREFERRED_NAME),
    of_patient(PATIENT_PRONOUNS),
    of_patient(PATIENT_DATE_OF_BIRTH),
    of_patient(PATIENT_SEX_GENDER),
    of_patient(PATIENT_EMAIL),
    of_patient(PATIENT_PHONE),
    of_patient(PATIENT_ADDRESS),
    of_patient(PATIENT_EMERGENCY_CONTACT),
    of_patient(PATIENT_LANGUAGE),
    in_chart(NOTE_BODY),
    in_chart(ADDENDUM_BODY),
    in_chart(DIAGNOSIS_BODY),
    in_chart(PLAN_BODY),
    in_chart(SAFETY_PLAN_BODY),
    in_chart(INSURANCE_BODY),
    in_chart(DISCLOSURE_BODY),
    in_chart(CONSENT_BODY),
    in_chart(IDENTITY_CORRECTION_BODY),
    in_chart(AMENDMENT_REQUEST),
    in_chart(AMENDMENT_EXTENSION),
    in_chart(AMENDMENT_DECISION),
    in_chart(AMENDMENT_DISAGREEMENT),
    in_chart(MEASURE_ANSWERS),
    in_chart(MEASURE_ACKNOWLEDGEMENT),
    in_chart(EMERGENCY_REASON),
    in_chart(LEGAL_HOLD_REASON),
    in_chart(LEGAL_HOLD_LIFT_REASON),
];

/// Every sealed column of no one patient: the practice's data key seals
/// them (rows name their practice in `patient_column`), and only an
/// administrator of that practice opens them. Add new ones here.
pub const OF_PRACTICE: &[Registered] = &[
    of_practice(ALERT_REVIEW_NOTE),
    of_practice(ACCOUNT_EMAIL),
    of_practice(ACCOUNT_NAME),
];

/// A column of a table whose rows name their practice in
/// `organization_id`.
const fn of_practice(column: Column) -> Registered {
    Registered {
        column,
        id_column: "id",
        patient_column: "organization_id",
    }
}

/// Sealed columns that are not PHI and use their own configured key
/// (TOTP secrets), so rotation of data keys leaves them alone.
pub const NOT_PHI: &[(&str, &str)] = &[
    ("mfa_factors", "secret_sealed"),
    ("mfa_enrollments", "secret_sealed"),
];
