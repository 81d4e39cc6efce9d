//! The details form's rules: every field optional and bounded, an
//! address complete enough to post to, an emergency contact one can call.

use super::{Editor, postal_code};
use crate::{
    error::{AppError, FieldErrors},
    model::details::{
        Address, COUNTRIES, DetailsForm, EmergencyContact, LINE_MAX, PatientDetails,
        SEXES_AT_BIRTH, SHORT_MAX,
    },
    model::validate::check_phone,
};

/// Checks the details as typed. Every field is optional, but an address
/// needs its street, town and country (and, where Cairn knows the
/// country's format, a postal code of that shape), and an emergency
/// contact a name and a phone number.
pub fn check(typed: &DetailsForm, editor: Editor) -> Result<PatientDetails, AppError> {
    let mut errors = FieldErrors::new();
    // What the patient may not change is not read from their form at all.
    let (gender_identity, sex_at_birth) = match editor {
        Editor::CareTeam => (typed.gender_identity.as_str(), typed.sex_at_birth.as_str()),
        Editor::Patient => ("", ""),
    };
    let mut short = |field: &str, text: &str, most: usize| -> Option<String> {
        let text = text.trim();
        if text.chars().count() > most {
            errors.add(field, format!("At most {most} characters."));
        }
        (!text.is_empty()).then(|| text.to_owned())
    };
    let preferred_name = short("preferred_name", &typed.preferred_name, LINE_MAX);
    let pronouns = short("pronouns", &typed.pronouns, SHORT_MAX);
    let gender_identity = short("gender_identity", gender_identity, SHORT_MAX);
    let language = short("language", &typed.language, SHORT_MAX);
    let relationship = short(
        "contact_relationship",
        &typed.contact_relationship,
        SHORT_MAX,
    );
    let contact_name = short("contact_name", &typed.contact_name, LINE_MAX);
    let line1 = short("address_line1", &typed.address_line1, LINE_MAX);
    let line2 = short("address_line2", &typed.address_line2, LINE_MAX);
    let city = short("city", &typed.city, LINE_MAX);
    let region = short("region", &typed.region, SHORT_MAX);
    let sex_at_birth = match sex_at_birth.trim() {
        "" => None,
        chosen => SEXES_AT_BIRTH
            .iter()
            .find(|s| **s == chosen)
            .map(|s| (*s).to_owned())
            .or_else(|| {
                errors.add(
                    "sex_at_birth",
                    "Choose one of the options, or leave it blank.",
                );
                None
            }),
    };
    let address = address(&mut errors, typed, line1, line2, city, region);
    let contact = emergency_contact(&mut errors, typed, contact_name, relationship);
    errors.into_result()?;
    Ok(PatientDetails {
        preferred_name,
        pronouns,
        gender_identity,
        sex_at_birth,
        language,
        address,
        emergency_contact: contact,
    })
}

/// The address typed, when any of it was: street, town and a country of
/// [`COUNTRIES`] required, the postal code by [`postal_code`](super::postal_code).
fn address(
    errors: &mut FieldErrors,
    typed: &DetailsForm,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    region: Option<String>,
) -> Option<Address> {
    let country = typed.country.trim().to_uppercase();
    let code = typed.postal_code.trim();
    let any = line1.is_some()
        || line2.is_some()
        || city.is_some()
        || region.is_some()
        || !code.is_empty();
    if !any {
        // A country alone (the form's default) is no address.
        return None;
    }
    if line1.is_none() {
        errors.add("address_line1", "Enter the street address.");
    }
    if city.is_none() {
        errors.add("city", "Enter the town or city.");
    }
    if !COUNTRIES.iter().any(|(c, _)| *c == country) {
        errors.add("country", "Choose the country.");
    }
    let postal = postal_code(&country, code).unwrap_or_else(|message| {
        errors.add("postal_code", message);
        String::new()
    });
    Some(Address {
        line1: line1.unwrap_or_default(),
        line2: line2.unwrap_or_default(),
        city: city.unwrap_or_default(),
        region: region.unwrap_or_default(),
        postal_code: postal,
        country,
    })
}

/// The emergency contact typed, when any of it was: a name and a phone
/// number required.
fn emergency_contact(
    errors: &mut FieldErrors,
    typed: &DetailsForm,
    name: Option<String>,
    relationship: Option<String>,
) -> Option<EmergencyContact> {
    let phone = typed.contact_phone.trim();
    if name.is_none()
        && relationship.is_none()
        && phone.is_empty()
        && typed.contact_may_disclose.is_none()
    {
        return None;
    }
    if name.is_none() {
        errors.add("contact_name", "Enter the emergency contact's name.");
    }
    let phone = if phone.is_empty() {
        errors.add("contact_phone", "Enter a phone number to reach them.");
        None
    } else {
        check_phone(errors, "contact_phone", phone)
    };
    Some(EmergencyContact {
        name: name.unwrap_or_default(),
        relationship: relationship.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        may_disclose: typed.contact_may_disclose.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str, postal_code: &str) -> DetailsForm {
        DetailsForm {
            address_line1: "1 Example Street".into(),
            city: "Springfield".into(),
            country: country.into(),
            postal_code: postal_code.into(),
            ..DetailsForm::default()
        }
    }

    fn staff(form: DetailsForm) -> Result<PatientDetails, AppError> {
        check(&form, Editor::CareTeam)
    }

    #[test]
    fn an_address_needs_street_town_and_a_known_country() {
        let details = staff(address("US", "62704-1234")).expect("valid");
        let got = details.address.expect("an address");
        assert_eq!(got.postal_code, "62704-1234");
        assert_eq!(
            got.lines(),
            [
                "1 Example Street",
                "Springfield 62704-1234",
                "United States"
            ]
        );
        let error = staff(DetailsForm {
            postal_code: "62704".into(),
            country: "US".into(),
            ..DetailsForm::default()
        })
        .expect_err("no street");
        assert!(error.field("address_line1").is_some());
        assert!(error.field("city").is_some());
        let error = staff(address("XX", "1")).expect_err("unknown country");
        assert!(error.field("country").is_some());
        let error = staff(address("CA", "62704")).expect_err("wrong shape");
        assert!(
            error
                .field("postal_code")
                .is_some_and(|m| m.contains("K1A 0B1"))
        );
        // The country alone, as the form sends it by default, is no address.
        let none = staff(DetailsForm {
            country: "US".into(),
            ..DetailsForm::default()
        })
        .expect("valid");
        assert!(none.address.is_none());
    }

    #[test]
    fn an_emergency_contact_needs_a_name_and_a_phone() {
        let error = staff(DetailsForm {
            contact_relationship: "Sister".into(),
            contact_phone: "12".into(),
            ..DetailsForm::default()
        })
        .expect_err("refused");
        assert!(error.field("contact_name").is_some());
        assert!(
            error
                .field("contact_phone")
                .is_some_and(|m| m.contains("7 to 15 digits"))
        );
        let details = staff(DetailsForm {
            contact_name: "Jamie Example".into(),
            contact_phone: "+1 555 0100 142".into(),
            contact_may_disclose: Some("yes".into()),
            ..DetailsForm::default()
        })
        .expect("valid");
        let contact = details.emergency_contact.expect("a contact");
        assert!(contact.may_disclose);
        assert_eq!(contact.phone, "+1 555 0100 142");
    }

    #[test]
    fn free_text_details_are_bounded_and_sex_at_birth_is_a_choice() {
        let long = "x".repeat(SHORT_MAX + 1);
        let error = staff(DetailsForm {
            pronouns: long,
            sex_at_birth: "Unknown".into(),
            ..DetailsForm::default()
        })
        .expect_err("refused");
        assert!(
            error
                .field("pronouns")
                .is_some_and(|m| m.contains("At most"))
        );
        assert!(error.field("sex_at_birth").is_some());
        let details = staff(DetailsForm {
            preferred_name: " Ave ".into(),
            pronouns: "they/them".into(),
            gender_identity: "Non-binary".into(),
            sex_at_birth: "Intersex".into(),
            ..DetailsForm::default()
        })
        .expect("valid");
        assert_eq!(details.preferred_name.as_deref(), Some("Ave"));
        assert_eq!(details.sex_at_birth.as_deref(), Some("Intersex"));
        assert!(details.address.is_none() && details.emergency_contact.is_none());
    }
}
