//! 32-byte keys from configuration: base64 in an environment variable; in
//! development, when unset, a fixed key derived from a public sentence (it
//! protects nothing, and production refuses both its absence and it).
//! Also what the operator needs to keep keys over time:
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_AUDIT_SIGNING_KEY` | development-only; required in production | 32 random bytes, base64: signs audit checkpoints |
//! | `CAIRN_AUDIT_RETIRED_KEYS` | none | public halves (base64, comma-separated, as `cairn keys status` prints them) of audit signing keys used before, so the checkpoints they signed still verify |
//! | `CAIRN_KEY_MAX_AGE_DAYS` | `90` | `cairn keys status` (and `serve`, in its log) warns about keys in use longer |

use super::{Config, ConfigError, problem};
use app::backend::{
    audit::checkpoint::{self, VerifyingKey},
    vault::inventory::{ConfiguredKey, KeyKind},
};
use base64::{Engine, engine::general_purpose};
use sha2::{Digest, Sha256};

const HOW: &str = "32 random bytes in base64 (e.g. `openssl rand -base64 32`)";

/// The key in `name`, or development's public stand-in for it.
pub(super) fn key_from(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    development_sentence: &str,
    production: bool,
) -> Result<[u8; 32], ConfigError> {
    let development = development_key(development_sentence);
    let key = match var(name) {
        Some(text) => decode(&text).ok_or_else(|| problem(name, format!("expected {HOW}")))?,
        None if production => return Err(problem(name, format!("required in production: {HOW}"))),
        None => development,
    };
    if production && key == development {
        return Err(problem(name, "production refuses the development key"));
    }
    Ok(key)
}

/// The public halves of retired audit signing keys.
pub(super) fn retired_audit_keys(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<VerifyingKey>, ConfigError> {
    const NAME: &str = "CAIRN_AUDIT_RETIRED_KEYS";
    var(NAME)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            checkpoint::public_key(entry).ok_or_else(|| {
                problem(
                    NAME,
                    "expected public keys in base64 (as `cairn keys status` prints them), separated by commas",
                )
            })
        })
        .collect()
}

impl Config {
    /// Every key from configuration, as `vault::inventory` knows them.
    pub fn configured_keys(&self) -> Vec<ConfiguredKey> {
        let mut keys = self.vault.configured_keys();
        keys.push(ConfiguredKey {
            kind: KeyKind::Mfa,
            version: self.mfa.keys.current_id(),
            fingerprint: self.mfa.keys.current_fingerprint(),
        });
        keys.push(ConfiguredKey {
            kind: KeyKind::AuditSigning,
            version: 1,
            fingerprint: self.audit_key.fingerprint(),
        });
        keys
    }
}

/// Development's public stand-in key: the SHA-256 of a sentence.
pub(super) fn development_key(sentence: &str) -> [u8; 32] {
    Sha256::digest(sentence.as_bytes()).into()
}

pub(super) fn decode(text: &str) -> Option<[u8; 32]> {
    let bytes = general_purpose::STANDARD
        .decode(text)
        .or_else(|_| general_purpose::URL_SAFE_NO_PAD.decode(text))
        .ok()?;
    bytes.try_into().ok()
}
