//! Consents: the practice's forms, each version kept as it was, and what a
//! patient signed (in the portal, with their typed name; or on paper,
//! recorded by staff). A release of information names who may receive
//! what, why, and until when; a patient revokes a consent at any time.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

stored_enum! {
    /// What a form is for. A release of information and a consent to
    /// disclose substance-use counseling records are what disclosures
    /// and copies of the record are checked against.
    pub enum ConsentKind {
        Treatment => "treatment",
        Telehealth => "telehealth",
        Release => "release",
        /// Consent to disclose notes of substance-use disorder counseling
        /// (42 CFR Part 2), which nothing else covers.
        SudDisclosure => "sud-disclosure",
        Other => "other",
    }
}

impl ConsentKind {
    pub fn label(self) -> &'static str {
        match self {
            ConsentKind::Treatment => "Consent to treatment",
            ConsentKind::Telehealth => "Telehealth consent",
            ConsentKind::Release => "Release of information",
            ConsentKind::SudDisclosure => {
                "Consent to disclose substance-use counseling records (42 CFR Part 2)"
            }
            ConsentKind::Other => "Other consent",
        }
    }

    /// Whether signing names a recipient, what and why (a release, or a
    /// consent to disclose counseling records: both say to whom).
    pub fn names_recipient(self) -> bool {
        matches!(self, ConsentKind::Release | ConsentKind::SudDisclosure)
    }
}

stored_enum! {
    /// How a consent was given.
    pub enum ConsentMethod {
        /// Signed by the patient in the portal, with their typed name.
        Portal => "portal",
        /// Signed on paper; staff recorded it.
        Paper => "paper",
    }
}

/// Where a consent stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsentState {
    /// Not yet given on the day asked about (signed later).
    NotYetGiven,
    InForce,
    Expired,
    Revoked,
}

impl ConsentState {
    pub fn label(self) -> &'static str {
        match self {
            ConsentState::NotYetGiven => "Not yet given",
            ConsentState::InForce => "In force",
            ConsentState::Expired => "Expired",
            ConsentState::Revoked => "Revoked",
        }
    }
}

/// One version of one of the practice's forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTemplate {
    pub id: Uuid,
    /// What the versions of this form share.
    pub series: Uuid,
    pub version: i32,
    pub kind: ConsentKind,
    pub title: String,
    /// The exact text a patient is shown and signs.
    pub text: String,
    /// SHA-256 of `text` (its UTF-8 bytes), lowercase hex: a signature
    /// keeps it, so what was signed can always be shown to be this text.
    pub text_sha256: String,
    /// `YYYY-MM-DD`, in the practice's zone.
    pub created_on: String,
}

/// A form as an administrator types it; `replaces` is the id of the
/// version this one supersedes (empty for a new form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub kind: String,
    pub title: String,
    pub text: String,
    pub replaces: String,
}

/// A consent as signed: in the portal (the patient types their name) or
/// recorded from paper by staff (`signed_on` is then the day on the
/// paper). `recipient`, `released` and `purpose` are for a form that
/// names a recipient; `expires_on` (`YYYY-MM-DD`) is required for a
/// release and optional otherwise.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    pub template_id: String,
    /// The hash of the text the page showed (`ConsentTemplate::text_sha256`).
    pub text_sha256: String,
    pub typed_name: String,
    pub recipient: String,
    pub released: String,
    pub purpose: String,
    pub expires_on: String,
    pub signed_on: String,
}

/// Health information as typed: never printed with its content.
impl std::fmt::Debug for ConsentForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsentForm(<redacted>)")
    }
}

/// Who may receive what, and why, under a release.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub recipient: String,
    pub released: String,
    pub purpose: String,
}

/// A consent a patient gave, opened.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: Uuid,
    pub kind: ConsentKind,
    pub title: String,
    pub version: i32,
    pub method: ConsentMethod,
    /// The name typed (in the portal) or as written on the paper.
    pub signed_name: String,
    /// When, to the minute, in the practice's zone.
    pub signed_at: String,
    /// Who recorded a paper one.
    pub recorded_by: Option<String>,
    pub release: Option<Release>,
    /// `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    pub state: ConsentState,
    /// When it was revoked, to the minute.
    pub revoked_at: Option<String>,
    /// The SHA-256 of the text signed, lowercase hex.
    pub text_sha256: String,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for Consent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Consent(<redacted>)")
    }
}

/// The portal's consents page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyConsents {
    /// The practice's current forms the patient has no consent in force
    /// for.
    pub to_sign: Vec<ConsentTemplate>,
    /// Every consent they gave, newest first.
    pub consents: Vec<Consent>,
}

/// A patient's consents, for staff (the chart's consents page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientConsents {
    pub patient_name: String,
    /// The practice's current forms, to record a paper one against.
    pub forms: Vec<ConsentTemplate>,
    /// Newest first.
    pub consents: Vec<Consent>,
}

/// The longest title of a form, in characters.
pub const TITLE_MAX: usize = 150;
/// The longest text of a form, in characters.
pub const TEXT_MAX: usize = 20_000;
/// The longest recipient, what-is-released, purpose or name line.
pub const LINE_MAX: usize = 300;
/// How many days ahead the administrators' home warns of consents expiring.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// The notice that must accompany each disclosure of records of
/// substance-use disorder treatment (42 CFR 2.32, as revised in 2024).
pub const PART2_NOTICE: &str = "This record which has been disclosed to you is protected by federal confidentiality rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the federal rules prohibit you from making any other use or disclosure of this record unless at least one of the following applies: (i) further use or disclosure is expressly permitted by the written consent of the individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2; (ii) you are a covered entity or business associate and have received the record for treatment, payment, or health care operations; or (iii) you have received the record from a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. A general authorization for the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use or redisclose the record (see 42 CFR 2.31).";
