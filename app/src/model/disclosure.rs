//! Disclosures of a patient's record to someone outside the practice, and
//! the accounting of them a patient is owed (HIPAA 164.528): when, to
//! whom, what, why, and on what legal footing.

use serde::{Deserialize, Serialize};

stored_enum! {
    /// What a disclosure was for. Treatment, payment and the practice's
    /// own health care operations need no authorization and are outside
    /// the accounting the rule requires (164.528(a)(1)(i)); Cairn lists
    /// them too, set apart, so a patient sees everything.
    pub enum DisclosureKind {
        Treatment => "treatment",
        Payment => "payment",
        Operations => "operations",
        /// Anything else: with the patient's authorization, or where the
        /// law requires or permits it. These make up the accounting.
        Other => "other",
    }
}

impl DisclosureKind {
    /// How a form and a list name it.
    pub fn label(self) -> &'static str {
        match self {
            DisclosureKind::Treatment => "Treatment (another provider caring for the patient)",
            DisclosureKind::Payment => "Payment (an insurer, billing)",
            DisclosureKind::Operations => {
                "The practice's operations (audit, quality, legal advice)"
            }
            DisclosureKind::Other => "Something else (with authorization, or as the law requires)",
        }
    }

    /// Whether the rule's accounting of disclosures includes it.
    pub fn in_accounting(self) -> bool {
        self == DisclosureKind::Other
    }
}

stored_enum! {
    /// The legal footing a disclosure stands on.
    pub enum LegalBasis {
        Authorization => "authorization",
        TreatmentPaymentOperations => "tpo",
        RequiredByLaw => "required-by-law",
        PublicHealth => "public-health",
        AbuseReport => "abuse-report",
        HealthOversight => "health-oversight",
        CourtOrder => "court-order",
        LawEnforcement => "law-enforcement",
        SeriousThreat => "serious-threat",
    }
}

impl LegalBasis {
    pub fn label(self) -> &'static str {
        match self {
            LegalBasis::Authorization => "The patient's signed authorization",
            LegalBasis::TreatmentPaymentOperations => {
                "Treatment, payment or operations (no authorization needed)"
            }
            LegalBasis::RequiredByLaw => "Required by law",
            LegalBasis::PublicHealth => "Public health reporting",
            LegalBasis::AbuseReport => "Report of abuse, neglect or domestic violence",
            LegalBasis::HealthOversight => "Health oversight (an audit or investigation)",
            LegalBasis::CourtOrder => "A court order or subpoena",
            LegalBasis::LawEnforcement => "Law enforcement",
            LegalBasis::SeriousThreat => "To avert a serious threat to health or safety",
        }
    }
}

/// A disclosure as staff type it (the form's fields, by name).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisclosureForm {
    /// `YYYY-MM-DD`; empty means today.
    pub disclosed_on: String,
    pub recipient: String,
    pub recipient_address: String,
    /// What was disclosed.
    pub description: String,
    /// A [`DisclosureKind`] spelling.
    pub kind: String,
    /// Why, in a sentence.
    pub purpose: String,
    /// A [`LegalBasis`] spelling.
    pub legal_basis: String,
    /// The id of the patient's release (a signed consent) it was made
    /// under; empty when none is on record.
    pub release_id: String,
    /// "on" when it includes substance-use counseling records (42 CFR
    /// Part 2).
    pub sud_records: String,
}

/// Health information as typed: never printed with its content.
impl std::fmt::Debug for DisclosureForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DisclosureForm(<redacted>)")
    }
}

/// One disclosure, opened.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    pub id: uuid::Uuid,
    /// `YYYY-MM-DD`.
    pub disclosed_on: String,
    pub recipient: String,
    pub recipient_address: Option<String>,
    pub description: String,
    pub kind: DisclosureKind,
    pub purpose: String,
    pub legal_basis: LegalBasis,
    /// Recorded by Cairn when a copy of the record was made for the
    /// recipient, rather than typed in by staff.
    pub by_copy: bool,
    /// Who recorded it (who made the copy).
    pub recorded_by: String,
    /// The release it was made under, if one was named.
    pub release_id: Option<uuid::Uuid>,
    /// Whether it included substance-use counseling records: the Part 2
    /// notice went with it.
    pub sud_records: bool,
    /// What was wrong with its footing when it was recorded.
    pub warnings: Vec<DisclosureWarning>,
}

/// What a disclosure was recorded despite: it is recorded all the same
/// (it happened), marked, and the one who recorded it is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisclosureWarning {
    /// The release named was given after the day of the disclosure.
    ReleaseNotYetGiven,
    /// The release named had ended before the day of the disclosure.
    ReleaseExpired,
    /// The patient had revoked the release named.
    ReleaseRevoked,
    /// It included substance-use counseling records and no consent to
    /// disclose them (42 CFR Part 2) was in force.
    NoSudConsent,
}

impl DisclosureWarning {
    pub fn label(self) -> &'static str {
        match self {
            DisclosureWarning::ReleaseNotYetGiven => {
                "The release named was given after the disclosure: recorded as made without a release in force."
            }
            DisclosureWarning::ReleaseExpired => {
                "The release named had expired: recorded as made without a release in force."
            }
            DisclosureWarning::ReleaseRevoked => {
                "The patient had revoked the release named: recorded as made without a release in force."
            }
            DisclosureWarning::NoSudConsent => {
                "No consent to disclose substance-use counseling records (42 CFR Part 2) was in force: recorded as such."
            }
        }
    }
}

/// Health information: never printed with its content.
impl std::fmt::Debug for Disclosure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Disclosure(<redacted>)")
    }
}

/// A patient's disclosures for staff: the accounting as a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    pub practice: String,
    pub patient_name: String,
    /// The day it was produced, `YYYY-MM-DD`, in the practice's zone.
    pub today: String,
    /// The first day the six years cover, `YYYY-MM-DD`.
    pub since: String,
    /// Every disclosure recorded, newest first (older ones included, for
    /// the practice's own records; the document marks the six years).
    pub disclosures: Vec<Disclosure>,
    /// The patient's releases (and consents to disclose counseling
    /// records), in any state, for the form to name one.
    pub releases: Vec<crate::model::consent::Consent>,
}

/// How many years back a patient may ask about (164.528(a)(3)).
pub const ACCOUNTING_YEARS: i32 = 6;

/// The longest recipient, address, or purpose line, in characters.
pub const DISCLOSURE_LINE_MAX: usize = 200;
/// The longest description of what was disclosed, in characters.
pub const DISCLOSURE_TEXT_MAX: usize = 2_000;
