//! Two-step verification settings.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_MFA_KEY` | a fixed development-only key; required in production | 32 random bytes, base64: seals TOTP secrets at rest |
//! | `CAIRN_MFA_REQUIRED_ROLES` | `admin,therapist` | roles that must use two-step verification (`none` for none); production refuses fewer than both staff roles |
//! | `CAIRN_STEP_UP_SECS` | `300` | sensitive actions need a code entered this recently (5 min) |

use super::{ConfigError, parse::bounded, problem};
use app::{
    backend::{
        identity::mfa::MfaPolicy,
        vault::{FieldKey, Keyring},
    },
    model::Role,
};
use std::time::Duration;

/// Wrong codes one sign-in may try before it is void.
const MAX_ATTEMPTS: u32 = 5;
/// How long a begun enrollment waits for its first code.
const ENROLLMENT_TTL: Duration = Duration::from_secs(10 * 60);

/// Sealing key development uses when `CAIRN_MFA_KEY` is unset: public.
const DEVELOPMENT_SENTENCE: &str =
    "cairn development-only MFA key: public, never use in production";

pub(super) fn policy(
    var: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> Result<MfaPolicy, ConfigError> {
    let key = super::keys::key_from(var, "CAIRN_MFA_KEY", DEVELOPMENT_SENTENCE, production)?;

    const ROLES: &str = "CAIRN_MFA_REQUIRED_ROLES";
    let required = roles(var, ROLES, &[Role::Admin, Role::Therapist])?;
    if production && !(required.contains(&Role::Admin) && required.contains(&Role::Therapist)) {
        return Err(problem(
            ROLES,
            "production requires two-step verification for admin and therapist",
        ));
    }

    Ok(MfaPolicy {
        keys: Keyring::new(FieldKey::new(1, key), Vec::new()),
        required,
        step_up_for: Duration::from_secs(bounded(var, "CAIRN_STEP_UP_SECS", 300, 30..=3600)?),
        enrollment_ttl: ENROLLMENT_TTL,
        max_attempts: MAX_ATTEMPTS,
    })
}

/// A list of roles (`admin,therapist`, or `none`) from `name`; `default`
/// when unset.
pub(super) fn roles(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &[Role],
) -> Result<Vec<Role>, ConfigError> {
    match var(name).as_deref() {
        None => Ok(default.to_vec()),
        Some("none") => Ok(Vec::new()),
        Some(list) => list
            .split(',')
            .map(|role| role.trim().parse::<Role>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                problem(
                    name,
                    "expected comma-separated roles (admin, therapist, patient) or `none`",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;
    use base64::{Engine, engine::general_purpose};
    use sha2::{Digest, Sha256};

    fn development_key() -> [u8; 32] {
        Sha256::digest(DEVELOPMENT_SENTENCE.as_bytes()).into()
    }

    #[test]
    fn development_works_without_settings_and_requires_staff() {
        let policy = policy(&lookup(&[]), false).expect("valid");
        assert!(policy.required_for(Role::Admin) && policy.required_for(Role::Therapist));
        assert!(!policy.required_for(Role::Patient));
        assert_eq!(policy.step_up_for, Duration::from_secs(300));
    }

    #[test]
    fn production_needs_a_real_key() {
        let missing = policy(&lookup(&[]), true).expect_err("missing key");
        assert_eq!(missing.variable, "CAIRN_MFA_KEY");
        let dev = general_purpose::STANDARD.encode(development_key());
        let refused = policy(&lookup(&[("CAIRN_MFA_KEY", &dev)]), true).expect_err("dev key");
        assert!(refused.problem.contains("development"));
        let short = policy(&lookup(&[("CAIRN_MFA_KEY", "c2hvcnQ=")]), false).expect_err("short");
        assert_eq!(short.variable, "CAIRN_MFA_KEY");
        let real = general_purpose::STANDARD.encode([7u8; 32]);
        assert!(policy(&lookup(&[("CAIRN_MFA_KEY", &real)]), true).is_ok());
    }

    #[test]
    fn required_roles_parse_and_production_keeps_staff() {
        let none = policy(&lookup(&[("CAIRN_MFA_REQUIRED_ROLES", "none")]), false).expect("none");
        assert!(none.required.is_empty());
        let all = policy(
            &lookup(&[("CAIRN_MFA_REQUIRED_ROLES", "admin, therapist,patient")]),
            false,
        )
        .expect("all");
        assert!(all.required_for(Role::Patient));
        let bad = policy(&lookup(&[("CAIRN_MFA_REQUIRED_ROLES", "root")]), false).expect_err("bad");
        assert_eq!(bad.variable, "CAIRN_MFA_REQUIRED_ROLES");
        let key = general_purpose::STANDARD.encode([7u8; 32]);
        let weak = policy(
            &lookup(&[
                ("CAIRN_MFA_KEY", &key),
                ("CAIRN_MFA_REQUIRED_ROLES", "admin"),
            ]),
            true,
        )
        .expect_err("weak");
        assert_eq!(weak.variable, "CAIRN_MFA_REQUIRED_ROLES");
    }
}
