//! The rules for a patient's details as typed: a new patient (legal name,
//! date of birth, contact details) and the contact details a patient keeps
//! current themselves.

use super::NewPatient;
use crate::backend::dates::check_day;
use crate::{
    error::{AppError, FieldErrors},
    model::validate::{check_display_name, check_email, check_phone},
};
use time::Date;

/// Contact details as a patient typed them, checked: blank removes one.
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contact(<redacted>)")
    }
}

/// Checks contact details: an email address of the usual shape (stored
/// lower-case), a phone number of 7 to 15 digits with spaces, `+`, `-`,
/// `(`, `)` or `.` between. Either may be left blank.
pub fn check_contact(email: &str, phone: &str) -> Result<Contact, AppError> {
    let mut errors = FieldErrors::new();
    let contact = contact_fields(&mut errors, email, phone);
    errors.into_result()?;
    Ok(contact)
}

/// [`check_contact`]'s rules, adding messages to `errors`.
fn contact_fields(errors: &mut FieldErrors, email: &str, phone: &str) -> Contact {
    let email = match email.trim() {
        "" => None,
        typed => check_email(errors, "email", typed),
    };
    let phone = match phone.trim() {
        "" => None,
        typed => check_phone(errors, "phone", typed),
    };
    Contact { email, phone }
}

/// Earliest date of birth a record may carry.
pub(super) const FIRST_BIRTHDAY: Date = time::macros::date!(1900 - 01 - 01);

/// Checks a new patient as a therapist typed them: a legal name, a date of
/// birth between 1900 and `today`, and contact details by
/// [`check_contact`]'s rules (both optional). No portal account yet: the
/// practice invites them separately.
pub fn check_new(
    legal_name: &str,
    date_of_birth: &str,
    email: &str,
    phone: &str,
    today: Date,
) -> Result<NewPatient, AppError> {
    let mut errors = FieldErrors::new();
    let name = check_display_name(&mut errors, "legal_name", legal_name);
    let born = check_day(
        &mut errors,
        "date_of_birth",
        date_of_birth,
        "birth",
        FIRST_BIRTHDAY,
        today,
    );
    let contact = contact_fields(&mut errors, email, phone);
    errors.into_result()?;
    match (name, born) {
        (Some(legal_name), Some(date_of_birth)) => Ok(NewPatient {
            legal_name,
            date_of_birth,
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            user_id: None,
        }),
        _ => Err(AppError::Internal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_patient_needs_a_name_and_a_real_birthday() {
        let today = time::macros::date!(2026 - 11 - 24);
        let error = check_new(" ", "2026-11-25", "x@", "", today).expect_err("refused");
        assert!(error.field("legal_name").is_some());
        assert!(
            error
                .field("date_of_birth")
                .is_some_and(|m| m.contains("after"))
        );
        assert!(error.field("email").is_some());
        let new =
            check_new(" Robin Example ", "1990-05-01", "", "555 0100 999", today).expect("valid");
        assert_eq!(new.legal_name, "Robin Example");
        assert_eq!(new.phone.as_deref(), Some("555 0100 999"));
        assert!(new.email.is_none() && new.user_id.is_none());
    }

    #[test]
    fn contact_details_are_checked_and_may_be_blank() {
        let ok = check_contact(" Avery@Example.org ", "+1 (555) 010-0200").expect("valid");
        assert_eq!(ok.email.as_deref(), Some("avery@example.org"));
        assert_eq!(ok.phone.as_deref(), Some("+1 (555) 010-0200"));
        let blank = check_contact("", "  ").expect("blank is fine");
        assert!(blank.email.is_none() && blank.phone.is_none());
        let error = check_contact("not-an-email", "12345").expect_err("refused");
        assert!(error.field("email").is_some());
        assert!(error.field("phone").is_some_and(|m| m.contains("7 to 15")));
        assert!(check_contact("", "555-0100 ext 2").is_err(), "letters");
    }
}
