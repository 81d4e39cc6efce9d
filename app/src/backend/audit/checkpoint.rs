//! Signed checkpoints: the chain's head (id, hash, time) signed with an
//! Ed25519 key from configuration, for the operator to keep outside the
//! database. A rewritten or truncated trail can be internally consistent;
//! it cannot still contain a head signed before the rewrite.
//!
//! A checkpoint is one line of JSON: version, id, hash (hex), time (Unix
//! seconds) and signature (base64) over
//! `cairn-audit-checkpoint/v1 | id | hash | time` (fixed-width, big-endian).

use base64::{Engine, engine::general_purpose::STANDARD};
pub use ed25519_dalek::VerifyingKey;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use std::fmt;

const DOMAIN: &[u8] = b"cairn-audit-checkpoint/v1";

/// The key that signs checkpoints. Never printed.
#[derive(Clone)]
pub struct CheckpointKey(SigningKey);

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckpointKey(<redacted>)")
    }
}

impl CheckpointKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        CheckpointKey(SigningKey::from_bytes(seed))
    }

    /// The public half, as base64: what verifies checkpoints anywhere.
    pub fn public_base64(&self) -> String {
        STANDARD.encode(self.0.verifying_key().as_bytes())
    }

    pub fn verifying(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// Tells the key apart (`vault::inventory`): of its public half, which
    /// is no secret anyway.
    pub fn fingerprint(&self) -> [u8; 16] {
        crate::backend::vault::inventory::fingerprint(self.0.verifying_key().as_bytes())
    }

    pub fn sign(&self, id: i64, hash: [u8; 32], at: i64) -> Checkpoint {
        let signature = self.0.sign(&message(id, &hash, at));
        Checkpoint {
            id,
            hash,
            at,
            signature: signature.to_bytes(),
        }
    }
}

/// A public key as [`CheckpointKey::public_base64`] writes it, or `None`.
pub fn public_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = STANDARD.decode(text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// A checked checkpoint: its signature held under the configured key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: i64,
    pub hash: [u8; 32],
    /// Unix seconds when it was taken.
    pub at: i64,
    signature: [u8; 64],
}

/// Why a checkpoint line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a Cairn audit checkpoint (expected one line of JSON with version 1)")]
    Malformed,
    #[error(
        "the checkpoint's signature does not hold under this key (forged, edited, or another key)"
    )]
    BadSignature,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    version: u32,
    id: i64,
    hash: String,
    at: i64,
    signature: String,
}

impl Checkpoint {
    pub fn to_line(&self) -> String {
        let wire = Wire {
            version: 1,
            id: self.id,
            hash: crate::backend::secret::hex(&self.hash),
            at: self.at,
            signature: STANDARD.encode(self.signature),
        };
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Parses a line and checks its signature under any of `keys`: the
    /// current key's public half, and those of keys retired since, so
    /// checkpoints signed before a rotation still verify.
    pub fn parse(line: &str, keys: &[VerifyingKey]) -> Result<Self, CheckpointError> {
        let wire: Wire =
            serde_json::from_str(line.trim()).map_err(|_| CheckpointError::Malformed)?;
        if wire.version != 1 {
            return Err(CheckpointError::Malformed);
        }
        let hash = unhex(&wire.hash).ok_or(CheckpointError::Malformed)?;
        let signature: [u8; 64] = STANDARD
            .decode(wire.signature.as_bytes())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(CheckpointError::Malformed)?;
        let signed = message(wire.id, &hash, wire.at);
        let signature_bytes = Signature::from_bytes(&signature);
        if !keys
            .iter()
            .any(|key| key.verify(&signed, &signature_bytes).is_ok())
        {
            return Err(CheckpointError::BadSignature);
        }
        Ok(Checkpoint {
            id: wire.id,
            hash,
            at: wire.at,
            signature,
        })
    }
}

fn message(id: i64, hash: &[u8; 32], at: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(DOMAIN.len() + 48);
    out.extend_from_slice(DOMAIN);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&at.to_be_bytes());
    out
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_any_edit_breaks_it() {
        let key = CheckpointKey::from_seed(&[7; 32]);
        let checkpoint = key.sign(42, [9; 32], 1_795_000_000);
        let line = checkpoint.to_line();
        assert_eq!(
            Checkpoint::parse(&line, &[key.verifying()]),
            Ok(checkpoint.clone())
        );

        let moved = line.replace("\"id\":42", "\"id\":41");
        assert_eq!(
            Checkpoint::parse(&moved, &[key.verifying()]),
            Err(CheckpointError::BadSignature)
        );
        let other = CheckpointKey::from_seed(&[8; 32]);
        assert_eq!(
            Checkpoint::parse(&line, &[other.verifying()]),
            Err(CheckpointError::BadSignature)
        );
        // After a rotation the retired key's public half still verifies
        // what it signed.
        assert_eq!(
            Checkpoint::parse(&line, &[other.verifying(), key.verifying()]),
            Ok(checkpoint.clone())
        );
        for junk in ["", "{}", "not json", "{\"version\":2}"] {
            assert_eq!(
                Checkpoint::parse(junk, &[key.verifying()]),
                Err(CheckpointError::Malformed)
            );
        }
        assert!(!format!("{key:?}").contains('7'));
    }
}
