//! A patient's further details as they cross the wire: how to address
//! them, who they are, where they live and whom to call in a crisis.
//! Every value is optional; built on the server from opened values.

use serde::{Deserialize, Serialize};

/// A postal address. `country` is an ISO 3166 two-letter code.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

impl Address {
    /// On lines, as an envelope shows it (empty parts left out).
    pub fn lines(&self) -> Vec<String> {
        let town = [
            self.city.as_str(),
            self.region.as_str(),
            self.postal_code.as_str(),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let country = country_name(&self.country).unwrap_or(self.country.as_str());
        [
            self.line1.as_str(),
            self.line2.as_str(),
            town.as_str(),
            country,
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
    }
}

/// Whom to call when the patient is in crisis.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    /// Whether they may be told the patient is in care here.
    pub may_disclose: bool,
}

/// A patient's details beyond name, date of birth, email and phone.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub gender_identity: Option<String>,
    pub sex_at_birth: Option<String>,
    pub language: Option<String>,
    pub address: Option<Address>,
    pub emergency_contact: Option<EmergencyContact>,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for PatientDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientDetails(<redacted>)")
    }
}

/// The details form as sent (both the chart's and the portal's: the
/// portal's has no gender fields). Each blank field clears its detail.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    pub preferred_name: String,
    pub pronouns: String,
    pub gender_identity: String,
    pub sex_at_birth: String,
    pub language: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub contact_name: String,
    pub contact_relationship: String,
    pub contact_phone: String,
    /// Present (any value) when the box is ticked.
    pub contact_may_disclose: Option<String>,
}

/// Health information as typed: never printed with its content.
impl std::fmt::Debug for DetailsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DetailsForm(<redacted>)")
    }
}

/// How a patient asks to be addressed, for staff to read beside the
/// legal name ("goes by Ave · they/them"); `None` when they have not said.
pub fn goes_by(preferred_name: Option<&str>, pronouns: Option<&str>) -> Option<String> {
    match (preferred_name, pronouns) {
        (None, None) => None,
        (Some(name), None) => Some(format!("goes by {name}")),
        (None, Some(pronouns)) => Some(pronouns.to_owned()),
        (Some(name), Some(pronouns)) => Some(format!("goes by {name} · {pronouns}")),
    }
}

/// Suggestions offered for pronouns; anything else may be typed.
pub const PRONOUNS: &[&str] = &[
    "she/her",
    "he/him",
    "they/them",
    "she/they",
    "he/they",
    "ze/zir",
];

/// Suggestions offered for gender identity; anything else may be typed.
pub const GENDER_IDENTITIES: &[&str] = &[
    "Woman",
    "Man",
    "Non-binary",
    "Transgender woman",
    "Transgender man",
    "Genderqueer",
    "Two-Spirit",
    "Questioning",
    "Prefer not to say",
];

/// The choices for sex assigned at birth (stored as written here).
pub const SEXES_AT_BIRTH: &[&str] = &["Female", "Male", "Intersex", "Prefer not to say"];

/// Countries an address may be in, (code, name): those whose postal code
/// Cairn checks first, then others by code.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("MX", "Mexico"),
];

/// The name of country `code`, when it is one of [`COUNTRIES`].
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// Longest of the short free-text details (pronouns, gender identity,
/// language, relationship), in characters.
pub const SHORT_MAX: usize = 60;
/// Longest name (preferred name, emergency contact) or address line.
pub const LINE_MAX: usize = 120;

/// Who holds an insurance policy: the patient, or someone else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subscriber {
    /// The patient.
    Patient,
    /// Another person (a parent, a spouse): their name and date of birth
    /// (`YYYY-MM-DD`), which the payer asks for.
    Other { name: String, date_of_birth: String },
}

/// One insurance policy as the chart shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsurancePolicy {
    pub id: uuid::Uuid,
    pub payer: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub subscriber: Subscriber,
    /// `YYYY-MM-DD`, when given.
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
    pub primary: bool,
    /// Still in use (an ended policy is kept, listed after the others).
    pub in_use: bool,
    pub recorded_by: String,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for InsurancePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InsurancePolicy(<redacted>)")
    }
}

/// A new policy as its form sends it.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InsuranceForm {
    pub payer: String,
    pub member_id: String,
    pub group_number: String,
    /// `self` or `other`.
    pub subscriber: String,
    pub subscriber_name: String,
    pub subscriber_date_of_birth: String,
    pub effective_from: String,
    pub effective_to: String,
    /// Present when the box "primary" is ticked.
    pub primary: Option<String>,
}

/// Health information as typed: never printed with its content.
impl std::fmt::Debug for InsuranceForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InsuranceForm(<redacted>)")
    }
}

/// A correction of a legal name or date of birth made earlier: when, by
/// whom, what it replaced and why.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastCorrection {
    /// To the minute, in the practice's zone.
    pub at: String,
    pub by: String,
    pub legal_name_was: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth_was: Option<String>,
    pub reason: String,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for PastCorrection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PastCorrection(<redacted>)")
    }
}

/// Longest member or group number, in characters.
pub const MEMBER_ID_MAX: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_a_patient_is_addressed_reads_as_said() {
        assert_eq!(goes_by(None, None), None);
        assert_eq!(goes_by(Some("Ave"), None).as_deref(), Some("goes by Ave"));
        assert_eq!(
            goes_by(None, Some("they/them")).as_deref(),
            Some("they/them")
        );
        assert_eq!(
            goes_by(Some("Ave"), Some("they/them")).as_deref(),
            Some("goes by Ave · they/them")
        );
        let address = Address {
            line1: "1 Example Street".into(),
            city: "Dublin".into(),
            postal_code: "D02 X285".into(),
            country: "IE".into(),
            ..Address::default()
        };
        assert_eq!(
            address.lines(),
            ["1 Example Street", "Dublin D02 X285", "Ireland"]
        );
    }
}
