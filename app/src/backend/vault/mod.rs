//! The vault: how secrets and (later) health information are sealed at rest.
//!
//! Today it holds the field format ([`sealed`]) and the keys that seal MFA
//! secrets. The PHI vault (envelope encryption with per-patient data keys)
//! builds on the same format: a sealed value names the key that sealed it,
//! so new kinds of key slot in without re-encrypting anything already stored.

pub mod sealed;

pub use sealed::{Binding, FieldKey, Keyring, OpenError};
