//! Typed sealed health information. A column holding PHI is read into a
//! [`Sealed<T>`]; the only way to get a `T` back out is [`Sealed::open`],
//! which asks for a [`PatientAccess`] — a value only the authorization and
//! audit path issues (`backend::records::access`) — and checks that the key that
//! sealed the value belongs to that very patient. What comes out is a
//! [`Phi<T>`]: no `Debug` with content, no `Serialize`, wiped on drop.
//!
//! ```no_run
//! # use app::backend::{records::access::PatientAccess, vault::{Sealed, Vault, columns}};
//! # async fn read(vault: &Vault, conn: &mut diesel_async::AsyncPgConnection,
//! #               access: &PatientAccess, name: Sealed<String>) {
//! let name = name
//!     .open(vault, conn, access, columns::PATIENT_LEGAL_NAME, access.patient_id())
//!     .await;
//! # }
//! ```
//!
//! Without the capability it does not compile (the same code as above
//! with the access left out; the example above compiles, so this one fails
//! for that reason alone — stable rustdoc does not check error codes):
//!
//! ```compile_fail
//! # use app::backend::{records::access::PatientAccess, vault::{Sealed, Vault, columns}};
//! # async fn read(vault: &Vault, conn: &mut diesel_async::AsyncPgConnection,
//! #               patient: uuid::Uuid, name: Sealed<String>) {
//! let name = name.open(vault, conn, columns::PATIENT_LEGAL_NAME, patient).await;
//! # }
//! ```
//!
//! and the capability cannot be made up:
//!
//! ```compile_fail
//! # use app::backend::records::access::PatientAccess;
//! let forged = PatientAccess {
//!     organization_id: uuid::Uuid::nil(),
//!     patient_id: uuid::Uuid::nil(),
//!     reach: app::backend::records::access::Reach::Chart,
//!     _recorded: (),
//! };
//! ```

use super::{
    Column, Purpose, Scope, Vault, dek,
    sealed::{Binding, OpenError, parse_header},
};
use crate::{
    backend::{identity::authz::Admin, records::access::grant::PatientAccess},
    error::AppError,
};
use diesel_async::AsyncPgConnection;
use std::{fmt, marker::PhantomData};
use time::{Date, macros::format_description};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

/// A value that can be sealed: how it becomes bytes and back, and how it
/// is wiped.
pub trait PhiValue: Sized {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>>;
    fn from_bytes(bytes: &[u8]) -> Option<Self>;
    fn wipe(&mut self);
}

/// A value sealed as its JSON (a diagnosis, a plan's lists, a note's
/// sections, answers to a questionnaire): it says how to wipe its fields,
/// and is a [`PhiValue`] by that, one way for all of them. A value that
/// cannot be written as JSON seals as nothing (then fails to open, loudly)
/// rather than panicking with health information in hand.
pub trait SealedAsJson: serde::Serialize + serde::de::DeserializeOwned {
    fn wipe_fields(&mut self);
}

impl<T: SealedAsJson> PhiValue for T {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
    fn wipe(&mut self) {
        self.wipe_fields();
    }
}

impl PhiValue for String {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.as_bytes().to_vec())
    }
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl PhiValue for Date {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let text = self
            .format(format_description!("[year]-[month]-[day]"))
            .unwrap_or_default();
        Zeroizing::new(text.into_bytes())
    }
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
    }
    fn wipe(&mut self) {
        *self = Date::MIN;
    }
}

/// Stored bytes of a sealed `T`. Holds no plaintext, so it may be copied
/// around and printed (as its length).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed<T> {
    bytes: Vec<u8>,
    kind: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.bytes.len())
    }
}

/// Why a sealed value could not be opened. The person sees "record
/// unreadable — contact an administrator"; which of these it was goes to
/// the log and the trail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("the value is malformed or was tampered with: {0}")]
    Broken(OpenError),
    #[error(transparent)]
    Key(dek::KeyError),
    /// The key that sealed it is not this patient's: the value was moved,
    /// or the capability is for someone else.
    #[error("the value was not sealed with this patient's key")]
    WrongPatient,
    #[error("the value opened but is not a valid {0}")]
    NotA(&'static str),
    /// The access does not reach this part of the record (a portal page
    /// asking for a note): a mistake in the code, refused before any key
    /// is loaded.
    #[error("this access does not reach {0}.{1}")]
    OutOfReach(&'static str, &'static str),
}

impl<T: PhiValue> Sealed<T> {
    /// Bytes read from the database.
    pub fn from_stored(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            kind: PhantomData,
        }
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Which data key sealed this value.
    pub fn key_id(&self) -> Result<u32, OpenError> {
        parse_header(&self.bytes).map(|h| h.key_id)
    }

    /// Seals `value` for `at` with the current key of `scope`.
    pub async fn seal(
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        scope: Scope,
        at: Binding<'_>,
        value: &T,
    ) -> Result<Self, AppError> {
        let (_, key) = dek::current(conn, vault, scope).await?;
        Ok(Self::from_stored(key.seal(at, &value.to_bytes())))
    }

    /// Opens the value of `column` in row `row` with the key that sealed
    /// it, which must belong to the patient `access` is for, and only if
    /// the access reaches that column with a key of that purpose (a chart
    /// never opens what a psychotherapy key sealed).
    pub async fn open(
        &self,
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        access: &PatientAccess,
        column: Column,
        row: Uuid,
    ) -> Result<Phi<T>, Unreadable> {
        let out_of_reach = Unreadable::OutOfReach(column.table, column.column);
        if !Purpose::ALL.iter().any(|p| access.opens(column, *p)) {
            return Err(out_of_reach);
        }
        let at = column.at(row);
        let id = self.key_id().map_err(Unreadable::Broken)?;
        let key = dek::load(conn, vault, id).await.map_err(Unreadable::Key)?;
        let theirs = Scope::of(
            access.organization_id(),
            access.patient_id(),
            key.scope.purpose,
        );
        if key.scope != theirs {
            return Err(Unreadable::WrongPatient);
        }
        if !access.opens(column, key.scope.purpose) {
            return Err(out_of_reach);
        }
        let plain = key.key.open(at, &self.bytes).map_err(Unreadable::Broken)?;
        T::from_bytes(&plain)
            .map(Phi)
            .ok_or(Unreadable::NotA(std::any::type_name::<T>()))
    }
}

impl Sealed<String> {
    /// Seals `text` for `column` of row `row` with the current key of
    /// practice `organization_id` (a column of [`columns::OF_PRACTICE`]).
    ///
    /// [`columns::OF_PRACTICE`]: super::columns::OF_PRACTICE
    pub async fn seal_for_practice(
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        organization_id: Uuid,
        column: Column,
        row: Uuid,
        text: &str,
    ) -> Result<Self, AppError> {
        Self::seal(
            vault,
            conn,
            practice(organization_id),
            column.at(row),
            &text.to_owned(),
        )
        .await
    }

    /// Opens a value of a practice's own column (not a patient's): only
    /// with an [`Admin`] proof of that practice, and only if the practice's
    /// key sealed it for this column and row. Never a patient's account
    /// name or email: those open through [`Sealed::open_account`] alone.
    pub async fn open_for_practice(
        &self,
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        admin: &Admin,
        column: Column,
        row: Uuid,
    ) -> Result<Phi<String>, Unreadable> {
        if ACCOUNT_COLUMNS.contains(&column) {
            return Err(Unreadable::OutOfReach(column.table, column.column));
        }
        self.open_with_practice_key(vault, conn, admin.organization_id, column, row)
            .await
    }

    /// Opens a patient's portal account name or email
    /// ([`columns::ACCOUNT_EMAIL`], [`columns::ACCOUNT_NAME`]). Only
    /// `identity::account_identity` calls it, for the person the account
    /// is, an invitation's holder, a recorded listing, or the notice mailed
    /// to the address; any other column is refused.
    ///
    /// [`columns::ACCOUNT_EMAIL`]: super::columns::ACCOUNT_EMAIL
    /// [`columns::ACCOUNT_NAME`]: super::columns::ACCOUNT_NAME
    pub(crate) async fn open_account(
        &self,
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        organization_id: Uuid,
        column: Column,
        row: Uuid,
    ) -> Result<Phi<String>, Unreadable> {
        if !ACCOUNT_COLUMNS.contains(&column) {
            return Err(Unreadable::OutOfReach(column.table, column.column));
        }
        self.open_with_practice_key(vault, conn, organization_id, column, row)
            .await
    }

    /// The value of a registered practice column, if the key of practice
    /// `organization_id` sealed it for this column and row.
    async fn open_with_practice_key(
        &self,
        vault: &Vault,
        conn: &mut AsyncPgConnection,
        organization_id: Uuid,
        column: Column,
        row: Uuid,
    ) -> Result<Phi<String>, Unreadable> {
        if !super::columns::OF_PRACTICE
            .iter()
            .any(|r| r.column == column)
        {
            return Err(Unreadable::OutOfReach(column.table, column.column));
        }
        let id = self.key_id().map_err(Unreadable::Broken)?;
        let key = dek::load(conn, vault, id).await.map_err(Unreadable::Key)?;
        if key.scope != practice(organization_id) {
            return Err(Unreadable::WrongPatient);
        }
        let plain = key
            .key
            .open(column.at(row), &self.bytes)
            .map_err(Unreadable::Broken)?;
        String::from_bytes(&plain)
            .map(Phi)
            .ok_or(Unreadable::NotA("text"))
    }
}

/// A patient's portal account name and email: sealed with the practice's
/// key, opened only by [`Sealed::open_account`].
const ACCOUNT_COLUMNS: [Column; 2] = [super::columns::ACCOUNT_EMAIL, super::columns::ACCOUNT_NAME];

/// The practice's own data key (no patient's).
fn practice(organization_id: Uuid) -> Scope {
    Scope {
        organization_id,
        patient_id: None,
        purpose: Purpose::Record,
    }
}

/// Opened health information. No `Debug` with content, no `Serialize`:
/// reaching the browser takes an explicit [`Phi::expose`] into a model.
pub struct Phi<T: PhiValue>(T);

impl<T: PhiValue> Phi<T> {
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: PhiValue> Drop for Phi<T> {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

impl<T: PhiValue> fmt::Debug for Phi<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phi(<redacted>)")
    }
}
