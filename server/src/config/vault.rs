//! The PHI vault's keys.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_KEKS` | development-only version 1; required in production | key-encryption keys: `version:base64` entries separated by commas, each 32 random bytes |
//! | `CAIRN_KEKS_FILE` | none | a file of the same entries, one per line (`#` comments); instead of `CAIRN_KEKS` |
//! | `CAIRN_KEK_CURRENT` | the highest version | the version new data keys are wrapped with |
//! | `CAIRN_BLIND_INDEX_KEY` | development-only; required in production | 32 random bytes, base64: keys the blind indexes (never the same as a KEK) |

use super::{ConfigError, keys, problem};
use app::backend::vault::{BlindKey, Keks, Vault, kek::KekError};
use zeroize::Zeroizing;

/// The development KEK (version 1) when none is configured: public.
const DEVELOPMENT_KEK: &str = "cairn development-only KEK: public, never use in production";
const DEVELOPMENT_BLIND: &str =
    "cairn development-only blind index key: public, never use in production";

pub(super) fn vault(
    var: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> Result<Vault, ConfigError> {
    let entries = match (var("CAIRN_KEKS"), var("CAIRN_KEKS_FILE")) {
        (Some(_), Some(_)) => {
            return Err(problem(
                "CAIRN_KEKS_FILE",
                "set CAIRN_KEKS or CAIRN_KEKS_FILE, not both",
            ));
        }
        (Some(list), None) => Zeroizing::new(list),
        (None, Some(path)) => Zeroizing::new(
            std::fs::read_to_string(&path)
                .map_err(|e| problem("CAIRN_KEKS_FILE", format!("could not read {path}: {e}")))?,
        ),
        (None, None) => Zeroizing::new(String::new()),
    };
    let name = if var("CAIRN_KEKS_FILE").is_some() {
        "CAIRN_KEKS_FILE"
    } else {
        "CAIRN_KEKS"
    };
    let mut versions = parse_keks(name, &entries)?;
    let development = keys::development_key(DEVELOPMENT_KEK);
    if versions.is_empty() {
        if production {
            return Err(problem(
                "CAIRN_KEKS",
                "required in production: version:base64 entries, e.g. 1:$(openssl rand -base64 32)",
            ));
        }
        versions.push((1, development));
    } else if production && versions.iter().any(|(_, key)| *key == development) {
        return Err(problem(name, "production refuses the development key"));
    }
    let current = match var("CAIRN_KEK_CURRENT") {
        None => None,
        Some(text) => Some(
            text.parse::<u32>()
                .map_err(|_| problem("CAIRN_KEK_CURRENT", "expected a version number, like 2"))?,
        ),
    };
    let keks = Keks::new(versions, current).map_err(|error| match error {
        KekError::CurrentMissing(_) => problem("CAIRN_KEK_CURRENT", error.to_string()),
        _ => problem(name, error.to_string()),
    })?;
    let blind = keys::key_from(var, "CAIRN_BLIND_INDEX_KEY", DEVELOPMENT_BLIND, production)?;
    Ok(Vault::new(keks, BlindKey::new(blind)))
}

/// `version:base64` entries separated by commas or line breaks.
fn parse_keks(name: &'static str, text: &str) -> Result<Vec<(u32, [u8; 32])>, ConfigError> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && !entry.starts_with('#'))
        .map(|entry| {
            let (version, key) = entry.split_once(':').ok_or_else(|| {
                problem(
                    name,
                    "expected version:base64 entries, like 1:<32 bytes in base64>",
                )
            })?;
            let version = version
                .trim()
                .parse::<u32>()
                .map_err(|_| problem(name, "a version must be a whole number, like 1"))?;
            let key = keys::decode(key.trim()).ok_or_else(|| {
                problem(
                    name,
                    format!("version {version}: expected 32 random bytes in base64"),
                )
            })?;
            Ok((version, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;
    use base64::{Engine, engine::general_purpose};

    fn key(byte: u8) -> String {
        general_purpose::STANDARD.encode([byte; 32])
    }

    #[test]
    fn several_versions_with_the_highest_current_unless_named() {
        let list = format!("1:{}, 2:{}", key(1), key(2));
        let vault = vault(&lookup(&[("CAIRN_KEKS", &list)]), false).expect("valid");
        assert_eq!(vault.keks().current(), 2);
        let named = vault_with(&list, Some("1"));
        assert_eq!(named.expect("valid").keks().current(), 1);
        let missing = vault_with(&list, Some("3")).expect_err("not configured");
        assert_eq!(missing.variable, "CAIRN_KEK_CURRENT");
    }

    fn vault_with(list: &str, current: Option<&str>) -> Result<Vault, ConfigError> {
        let mut vars = vec![("CAIRN_KEKS", list)];
        if let Some(current) = current {
            vars.push(("CAIRN_KEK_CURRENT", current));
        }
        vault(&lookup(&vars), false)
    }

    #[test]
    fn production_refuses_missing_and_development_keys_naming_them() {
        let missing = vault(&lookup(&[]), true).expect_err("missing");
        assert_eq!(missing.variable, "CAIRN_KEKS");
        let development = general_purpose::STANDARD.encode(keys::development_key(DEVELOPMENT_KEK));
        let dev = format!("1:{development}");
        let refused = vault(&lookup(&[("CAIRN_KEKS", &dev)]), true).expect_err("dev");
        assert!(refused.problem.contains("development"));
        let real = format!("1:{}", key(5));
        let no_blind = vault(&lookup(&[("CAIRN_KEKS", &real)]), true).expect_err("blind");
        assert_eq!(no_blind.variable, "CAIRN_BLIND_INDEX_KEY");
        let blind = key(6);
        assert!(
            vault(
                &lookup(&[("CAIRN_KEKS", &real), ("CAIRN_BLIND_INDEX_KEY", &blind)]),
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn malformed_entries_are_named() {
        for bad in ["1", "x:abc", "1:short", "0:"] {
            let error = vault(&lookup(&[("CAIRN_KEKS", bad)]), false).expect_err(bad);
            assert_eq!(error.variable, "CAIRN_KEKS", "{bad}");
        }
        let twice = format!("1:{}\n1:{}", key(1), key(2));
        assert!(vault(&lookup(&[("CAIRN_KEKS", &twice)]), false).is_err());
    }

    #[test]
    fn a_key_file_is_read_with_comments() {
        let path = std::env::temp_dir().join(format!("cairn-keks-{}", std::process::id()));
        std::fs::write(
            &path,
            format!("# rotated 2026-11\n1:{}\n2:{}\n", key(1), key(2)),
        )
        .expect("write");
        let file = path.to_string_lossy().into_owned();
        let vault = vault(&lookup(&[("CAIRN_KEKS_FILE", &file)]), false).expect("valid");
        assert_eq!(vault.keks().current(), 2);
        std::fs::remove_file(&path).ok();
        let gone = super::vault(&lookup(&[("CAIRN_KEKS_FILE", &file)]), false).expect_err("gone");
        assert_eq!(gone.variable, "CAIRN_KEKS_FILE");
    }
}
