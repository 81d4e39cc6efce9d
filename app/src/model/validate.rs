//! Input rules shared by the server (which always enforces them) and the
//! browser (which may show them early). Plain functions, so they are easy to
//! test.

use super::Role;
use crate::error::FieldErrors;

/// RFC 5321 limits an address to 254 characters.
pub const EMAIL_MAX: usize = 254;
/// NIST 800-63B: allow at least 64; we allow 128 and refuse longer, which
/// also bounds the work an attacker can make argon2 do.
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 200;

/// Minimum password length for a role: longer for administrators, whose
/// accounts can change everyone else's.
pub fn password_min(role: Role) -> usize {
    match role {
        Role::Admin => 15,
        Role::Therapist | Role::Patient => 12,
    }
}

/// Trims and lower-cases an email for comparison; `None` when it is not
/// shaped like an address. Deliberately simple: the only real test of an
/// address is mail reaching it.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let shaped = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    shaped.then_some(email)
}

/// Whether `typed` is `name`, ignoring case and runs of spaces: a name
/// typed to confirm an erasure, or to sign a consent.
pub fn same_name(typed: &str, name: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    !typed.trim().is_empty() && words(typed) == words(name)
}

/// One line of text as typed, trimmed: at most `max` characters, and
/// required (with `missing` said beside `field`) unless `missing` is empty.
pub fn check_line(
    errors: &mut FieldErrors,
    field: &str,
    typed: &str,
    max: usize,
    missing: &str,
) -> String {
    let typed = typed.trim();
    if typed.is_empty() && !missing.is_empty() {
        errors.add(field, missing);
    } else if typed.chars().count() > max {
        errors.add(field, format!("At most {max} characters."));
    }
    typed.to_owned()
}

/// Longest phone number as typed, in characters.
pub const PHONE_MAX: usize = 30;

/// Checks a phone number typed in `field` (not blank): 7 to 15 digits,
/// with spaces, `+`, `-`, `(`, `)` or `.` between; kept as typed, trimmed.
pub fn check_phone(errors: &mut FieldErrors, field: &str, typed: &str) -> Option<String> {
    let phone = typed.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let shaped = phone.chars().count() <= PHONE_MAX
        && (7..=15).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !shaped {
        errors.add(
            field,
            "Enter a phone number of 7 to 15 digits, for example +1 555 0100 200.",
        );
    }
    shaped.then(|| phone.to_owned())
}

/// Checks an email field, recording a message under `field` when it fails.
pub fn check_email(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        errors.add(field, "Enter your email address.");
        return None;
    }
    if raw.trim().chars().count() > EMAIL_MAX {
        errors.add(
            field,
            format!("An email address has at most {EMAIL_MAX} characters."),
        );
        return None;
    }
    let email = normalize_email(raw);
    if email.is_none() {
        errors.add(field, "Enter an email address like name@example.com.");
    }
    email
}

/// Checks a password typed to sign in: only presence and the upper bound,
/// since rules for new passwords must not lock out older accounts.
pub fn check_sign_in_password(errors: &mut FieldErrors, field: &str, password: &str) {
    if password.is_empty() {
        errors.add(field, "Enter your password.");
    } else if password.chars().count() > PASSWORD_MAX {
        errors.add(
            field,
            format!("A password has at most {PASSWORD_MAX} characters."),
        );
    }
}

/// Checks a new password against NIST 800-63B rules: length by role, an
/// upper bound, and not built from the account's own email name. No
/// composition rules. The message says which rule failed.
pub fn check_new_password(
    errors: &mut FieldErrors,
    field: &str,
    password: &str,
    role: Role,
    email: &str,
) {
    let length = password.chars().count();
    let min = password_min(role);
    if length < min {
        errors.add(
            field,
            format!("Use at least {min} characters (you typed {length}). A few unrelated words make a strong, memorable password."),
        );
        return;
    }
    if length > PASSWORD_MAX {
        errors.add(field, format!("Use at most {PASSWORD_MAX} characters."));
        return;
    }
    let name = email.split('@').next().unwrap_or_default().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        errors.add(field, "Do not use your email name in your password.");
    }
}

/// Checks a person's display name.
pub fn check_display_name(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        errors.add(field, "Enter a name.");
        return None;
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        errors.add(
            field,
            format!("A name has at most {DISPLAY_NAME_MAX} characters."),
        );
        return None;
    }
    if name.chars().any(char::is_control) {
        errors.add(field, "A name cannot contain control characters.");
        return None;
    }
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_name_matches_ignoring_case_and_spaces() {
        assert!(same_name("avery  quinn", "Avery Quinn"));
        assert!(same_name(" Avery Quinn ", "Avery Quinn"));
        assert!(!same_name("Avery", "Avery Quinn"));
        assert!(!same_name("", ""));
        assert!(!same_name("Avery Quinn-Lee", "Avery Quinn"));
    }

    fn new_password(password: &str, role: Role) -> Option<String> {
        let mut errors = FieldErrors::new();
        check_new_password(
            &mut errors,
            "password",
            password,
            role,
            "rowan.ellis@example.org",
        );
        errors.get("password").map(str::to_owned)
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Rowan.Ellis@Example.ORG "),
            Some("rowan.ellis@example.org".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.org",
            "a@",
            "a@b",
            "a@.org",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(normalize_email(&long), None);
    }

    #[test]
    fn email_messages_name_the_problem() {
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "email", "   ");
        assert_eq!(errors.get("email"), Some("Enter your email address."));
        let mut errors = FieldErrors::new();
        check_email(&mut errors, "email", "not-an-address");
        assert_eq!(
            errors.get("email"),
            Some("Enter an email address like name@example.com.")
        );
    }

    #[test]
    fn admins_need_longer_passwords() {
        assert!(new_password("twelve chars", Role::Therapist).is_none());
        let message = new_password("twelve chars", Role::Admin).unwrap_or_default();
        assert!(message.contains("at least 15"), "{message}");
    }

    #[test]
    fn overlong_passwords_are_refused() {
        let message =
            new_password(&"x".repeat(PASSWORD_MAX + 1), Role::Patient).unwrap_or_default();
        assert!(message.contains("at most 128"), "{message}");
        assert!(
            new_password(&"correct horse ".repeat(10)[..PASSWORD_MAX], Role::Patient).is_none()
        );
    }

    #[test]
    fn passwords_containing_the_email_name_are_refused() {
        let message =
            new_password("my name is ROWAN.ELLIS ok", Role::Therapist).unwrap_or_default();
        assert!(message.contains("email name"), "{message}");
    }

    #[test]
    fn sign_in_password_only_checks_presence_and_bound() {
        let mut errors = FieldErrors::new();
        check_sign_in_password(&mut errors, "password", "short");
        assert!(errors.is_empty());
        check_sign_in_password(&mut errors, "password", "");
        assert_eq!(errors.get("password"), Some("Enter your password."));
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            check_display_name(&mut errors, "name", "  Rowan Ellis "),
            Some("Rowan Ellis".into())
        );
        assert_eq!(check_display_name(&mut errors, "name", "a\u{7}b"), None);
        assert_eq!(
            errors.get("name"),
            Some("A name cannot contain control characters.")
        );
    }
}
