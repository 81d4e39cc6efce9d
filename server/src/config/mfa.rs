//! Two-step verification settings.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_MFA_KEY` | a fixed development-only key; required in production | 32 random bytes, base64: seals TOTP secrets at rest; `N:base64` names its version (plain base64 is version 1) |
//! | `CAIRN_MFA_RETIRED_KEYS` | none | keys replaced by a rotation, `N:base64` separated by commas: secrets they sealed still open until `cairn keys reseal-mfa` has moved them |
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
    const KEY: &str = "CAIRN_MFA_KEY";
    let (version, text) = match var(KEY) {
        Some(text) => {
            let (version, key) = versioned(&text).ok_or_else(|| problem(KEY, VERSIONED))?;
            (version, Some(key.to_owned()))
        }
        None => (1, None),
    };
    // The version stripped, the key is read as every other key is.
    let unversioned = |name: &str| if name == KEY { text.clone() } else { var(name) };
    let key = super::keys::key_from(&unversioned, KEY, DEVELOPMENT_SENTENCE, production)?;
    let retired = retired_keys(var, version, key)?;

    const ROLES: &str = "CAIRN_MFA_REQUIRED_ROLES";
    let required = roles(var, ROLES, &[Role::Admin, Role::Therapist])?;
    if production && !(required.contains(&Role::Admin) && required.contains(&Role::Therapist)) {
        return Err(problem(
            ROLES,
            "production requires two-step verification for admin and therapist",
        ));
    }

    Ok(MfaPolicy {
        keys: Keyring::new(FieldKey::new(version, key), retired),
        required,
        step_up_for: Duration::from_secs(bounded(var, "CAIRN_STEP_UP_SECS", 300, 30..=3600)?),
        enrollment_ttl: ENROLLMENT_TTL,
        max_attempts: MAX_ATTEMPTS,
    })
}

const VERSIONED: &str =
    "expected 32 random bytes in base64, optionally after its version and a colon (`2:base64`)";

/// `N:key` as (N, key); a key without a version is version 1. Base64 has
/// no colon, so the two cannot be confused.
fn versioned(text: &str) -> Option<(u32, &str)> {
    match text.trim().split_once(':') {
        None => Some((1, text.trim())),
        Some((version, key)) => version
            .trim()
            .parse()
            .ok()
            .filter(|v| *v >= 1)
            .map(|v| (v, key.trim())),
    }
}

/// The keys a rotation replaced (`CAIRN_MFA_RETIRED_KEYS`): each with its
/// own version, none the current one's.
fn retired_keys(
    var: &impl Fn(&str) -> Option<String>,
    current_version: u32,
    current: [u8; 32],
) -> Result<Vec<FieldKey>, ConfigError> {
    const NAME: &str = "CAIRN_MFA_RETIRED_KEYS";
    let mut versions = vec![current_version];
    let mut keys = Vec::new();
    for entry in var(NAME).unwrap_or_default().split(',').map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let (version, key) = entry
            .split_once(':')
            .and_then(|_| versioned(entry))
            .and_then(|(v, text)| super::keys::decode(text).map(|key| (v, key)))
            .ok_or_else(|| {
                problem(
                    NAME,
                    "expected `N:base64` entries (32 random bytes each) separated by commas",
                )
            })?;
        if versions.contains(&version) {
            return Err(problem(
                NAME,
                format!("version {version} is given twice (or is CAIRN_MFA_KEY's)"),
            ));
        }
        if key == current {
            return Err(problem(NAME, "holds the current CAIRN_MFA_KEY"));
        }
        versions.push(version);
        keys.push(FieldKey::new(version, key));
    }
    Ok(keys)
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
    fn a_rotated_key_names_its_version_and_keeps_the_old_one_to_open() {
        let old = general_purpose::STANDARD.encode([7u8; 32]);
        let new = general_purpose::STANDARD.encode([8u8; 32]);
        let plain = policy(&lookup(&[("CAIRN_MFA_KEY", &old)]), false).expect("plain");
        assert_eq!(plain.keys.current_id(), 1);
        let rotated = policy(
            &lookup(&[
                ("CAIRN_MFA_KEY", &format!("2:{new}")),
                ("CAIRN_MFA_RETIRED_KEYS", &format!("1:{old}")),
            ]),
            true,
        )
        .expect("rotated");
        assert_eq!(rotated.keys.current_id(), 2);
        // What the old key sealed opens with the rotated keyring.
        let binding = app::backend::vault::Binding {
            table: "mfa_factors",
            column: "secret_sealed",
            row: uuid::Uuid::nil().into(),
        };
        let sealed = plain.keys.seal(binding, b"JBSWY3DPEHPK3PXP");
        assert!(rotated.keys.open(binding, &sealed).is_ok());

        for (retired, why) in [
            (format!("2:{old}"), "the current version again"),
            (format!("1:{new}"), "the current key"),
            (old.clone(), "no version"),
            ("1:c2hvcnQ=".to_owned(), "too short"),
        ] {
            let refused = policy(
                &lookup(&[
                    ("CAIRN_MFA_KEY", &format!("2:{new}")),
                    ("CAIRN_MFA_RETIRED_KEYS", &retired),
                ]),
                false,
            )
            .expect_err(why);
            assert_eq!(refused.variable, "CAIRN_MFA_RETIRED_KEYS", "{why}");
        }
        let bad =
            policy(&lookup(&[("CAIRN_MFA_KEY", &format!("0:{new}"))]), false).expect_err("v0");
        assert_eq!(bad.variable, "CAIRN_MFA_KEY");
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
