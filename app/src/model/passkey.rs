//! Passkeys as the Security page and the sign-in pages see them. The
//! ceremonies themselves carry the WebAuthn library's own wire types
//! (`webauthn_rs_proto`), so browser and server agree on every byte.

use serde::{Deserialize, Serialize};

/// One of the person's passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    pub id: uuid::Uuid,
    /// The person's label for it ("Work laptop").
    pub name: String,
    pub added_secs_ago: i64,
    /// `None`: never used yet.
    pub used_secs_ago: Option<i64>,
}

/// The Security page's passkey section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyOverview {
    /// This address of Cairn can use passkeys (a domain name, not an IP
    /// address: browsers allow them only there).
    pub available: bool,
    /// The practice requires a passkey of the person's role.
    pub required: bool,
    pub passkeys: Vec<PasskeySummary>,
}

/// The longest passkey name, in characters.
pub const NAME_MAX: usize = 60;
