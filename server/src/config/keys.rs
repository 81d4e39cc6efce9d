//! 32-byte keys from configuration: base64 in an environment variable; in
//! development, when unset, a fixed key derived from a public sentence (it
//! protects nothing, and production refuses both its absence and it).

use super::{ConfigError, problem};
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
