//! The vault: how secrets and health information are sealed at rest, and
//! the only way they are opened.
//!
//! - [`sealed`]: the field format (AES-256-GCM, fresh nonce, versioned
//!   header naming the key, bound to table, column and row).
//! - [`kek`]: key-encryption keys, from configuration only.
//! - [`dek`]: data keys in `data_keys`, one per patient (and a second for
//!   their psychotherapy notes) and one per practice, stored wrapped by a
//!   KEK; [`cache`] keeps unwrapped ones briefly.
//! - [`phi`]: [`Sealed<T>`] columns that open only with a
//!   [`PatientAccess`](crate::backend::records::access::PatientAccess), which only
//!   the authorization and audit path issues.
//! - [`blind`]: blind indexes for equality search.
//! - [`rotate`]: KEK and DEK rotation, resumable, audited.
//! - [`inventory`]: the keys from configuration by fingerprint, and how
//!   long each has been in use.
//!
//! Per-patient data keys are the granularity because erasing a patient
//! must be able to destroy exactly their data: delete their key and every
//! value sealed with it is noise (crypto-shredding), while no one else's
//! changes. The cost is one small row per patient and one unwrap per
//! patient per cache lifetime.
//!
//! TOTP secrets are sealed in the same format with their own configured
//! key ([`Keyring`]); they are not PHI and never need a patient's key.

pub mod blind;
mod cache;
pub mod columns;
pub mod dek;
pub mod inventory;
pub mod kek;
pub mod leftovers;
pub mod phi;
pub mod rotate;
pub mod sealed;

pub use blind::{BlindKey, Normalize};
pub use columns::{Column, Purpose};
pub use kek::Keks;
pub use phi::{Phi, PhiValue, Sealed, SealedAsJson, Unreadable};
pub use sealed::{Binding, FieldKey, Keyring, OpenError, Row};

use cache::DekCache;
use std::{sync::Arc, time::Duration};
use uuid::Uuid;

/// Whose a data key is and what it seals: a patient's record, a patient's
/// psychotherapy notes, or (no patient) the practice's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    pub organization_id: Uuid,
    pub patient_id: Option<Uuid>,
    pub purpose: Purpose,
}

impl Scope {
    /// The key of a patient's record (details, notes, plan, diagnoses).
    pub fn patient(organization_id: Uuid, patient_id: Uuid) -> Self {
        Self::of(organization_id, patient_id, Purpose::Record)
    }

    pub fn of(organization_id: Uuid, patient_id: Uuid, purpose: Purpose) -> Self {
        Self {
            organization_id,
            patient_id: Some(patient_id),
            purpose,
        }
    }
}

/// Unwrapped data keys kept at once, and for how long.
pub const CACHE_CAPACITY: usize = 1024;
pub const CACHE_TTL: Duration = Duration::from_secs(5 * 60);

/// The keys and the cache. Cloning shares the cache.
#[derive(Clone, Debug)]
pub struct Vault {
    keks: Keks,
    blind: BlindKey,
    cache: Arc<DekCache>,
}

impl Vault {
    pub fn new(keks: Keks, blind: BlindKey) -> Self {
        Self::with_cache(keks, blind, CACHE_CAPACITY, CACHE_TTL)
    }

    /// A vault with its own cache size (0: no cache, for measuring).
    pub fn with_cache(keks: Keks, blind: BlindKey, capacity: usize, ttl: Duration) -> Self {
        Self {
            keks,
            blind,
            cache: Arc::new(DekCache::new(capacity, ttl)),
        }
    }

    pub fn keks(&self) -> &Keks {
        &self.keks
    }

    /// Forgets data key `id`, destroyed outside a rotation (a record
    /// erased), so not even this instance's memory holds it. Another
    /// instance's cache lets its copy go within [`CACHE_TTL`]; the values
    /// it sealed are gone with their rows by then.
    pub fn forget_destroyed(&self, id: u32) {
        self.cache.forget(id);
    }

    /// The vault's keys from configuration: every KEK version and the
    /// blind-index key.
    pub fn configured_keys(&self) -> Vec<inventory::ConfiguredKey> {
        let mut keys: Vec<_> = self
            .keks
            .fingerprints()
            .map(|(version, fingerprint)| inventory::ConfiguredKey {
                kind: inventory::KeyKind::Kek,
                version,
                fingerprint,
            })
            .collect();
        keys.push(inventory::ConfiguredKey {
            kind: inventory::KeyKind::BlindIndex,
            version: 1,
            fingerprint: self.blind.fingerprint(),
        });
        keys
    }

    /// The index sign-in finds an account by: see
    /// [`blind::BlindKey::account_index`].
    pub fn account_index(&self, email: &str) -> Vec<u8> {
        self.blind.account_index(email)
    }

    /// The blind index of `value` in `column` of practice `organization_id`.
    pub fn blind_index(
        &self,
        organization_id: Uuid,
        column: Column,
        kind: Normalize,
        value: &str,
    ) -> Vec<u8> {
        self.blind.index(
            organization_id,
            &format!("{}.{}", column.table, column.column),
            kind,
            value,
        )
    }
}
