//! The rules a new password must meet, as the server enforces them: the
//! shared rules of `model::validate` (length by role, not the email name)
//! and, server-only because the list is large, not a common password.
//! Every place that sets a password (create-admin, invitations, password
//! change) goes through [`check_new`].

use crate::{
    error::FieldErrors,
    model::{Role, validate::check_new_password},
};
use std::{collections::HashSet, sync::LazyLock};

/// 30,000 passwords seen most often in breaches (app/data/README.md).
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// How many passwords the list holds (for tests and the README).
pub fn common_list_len() -> usize {
    COMMON.len()
}

/// Checks a new password; records the first rule it breaks under `field`.
pub fn check_new(errors: &mut FieldErrors, field: &str, password: &str, role: Role, email: &str) {
    check_new_password(errors, field, password, role, email);
    if errors.get(field).is_none() && is_common(password) {
        errors.add(
            field,
            "This password is one of the most common (it appears in lists attackers try first). Choose something less predictable, such as a few unrelated words.",
        );
    }
}

/// On the list, ignoring case, or a listed password repeated ("qwertyqwerty")
/// or with digits and symbols tacked on the end ("sunshine2024!").
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    [lower.as_str(), stem, repeated_unit(&lower)]
        .iter()
        .any(|candidate| !candidate.is_empty() && COMMON.contains(candidate))
}

/// The shortest piece that `text` is made of, repeated (`text` itself when
/// it is no repetition).
fn repeated_unit(text: &str) -> &str {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    for unit in 1..=n / 2 {
        if n.is_multiple_of(unit) && (unit..n).all(|i| chars[i].1 == chars[i % unit].1) {
            return &text[..chars[unit].0];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(password: &str) -> Option<String> {
        let mut errors = FieldErrors::new();
        check_new(
            &mut errors,
            "password",
            password,
            Role::Therapist,
            "rowan@example.org",
        );
        errors.get("password").map(str::to_owned)
    }

    #[test]
    fn the_list_is_large() {
        assert!(common_list_len() >= 10_000, "{}", common_list_len());
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for password in [
            "1qaz2wsx3edc",
            "PASSWORD1234",
            "LeaveMeAlone",
            "football2024!",
            "monkeymonkeymonkey",
        ] {
            let message = message(password).unwrap_or_else(|| panic!("{password} accepted"));
            assert!(message.contains("most common"), "{password}: {message}");
        }
    }

    #[test]
    fn uncommon_long_passwords_pass() {
        assert_eq!(message("kettle harbor violet stapler"), None);
        assert_eq!(message("Zq8#lamp-orbit-fennel"), None);
    }

    #[test]
    fn the_length_rule_is_reported_first() {
        assert!(message("password").is_some_and(|m| m.contains("at least 12")));
    }

    #[test]
    fn repetition_is_found() {
        assert_eq!(repeated_unit("abcabcabc"), "abc");
        assert_eq!(repeated_unit("aaaa"), "a");
        assert_eq!(repeated_unit("abcd"), "abcd");
        assert_eq!(repeated_unit("éé"), "é");
    }
}
