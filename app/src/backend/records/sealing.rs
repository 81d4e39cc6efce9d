//! Sealing and opening one value of a row in a patient's record (a note,
//! a diagnosis, a plan): the patient's own data key (their psychotherapy
//! key for a psychotherapy note), bound to the table,
//! column and row, and opened only with the [`PatientAccess`] the policy
//! and the trail issued. One way, for every part of the chart.

use crate::backend::{
    records::access::{PatientAccess, ReadError},
    vault::{Column, Phi, PhiValue, Scope, Sealed, Vault},
};
use crate::error::AppError;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// `value` sealed for `column` of row `row`, with the key of the patient
/// `access` is for, as stored.
pub async fn seal<T: PhiValue>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: Column,
    row: Uuid,
    value: &T,
) -> Result<Vec<u8>, AppError> {
    // Writing takes the same reach as reading: a portal access writes the
    // patient's details, never a note; an access to a psychotherapy note
    // seals with the patient's psychotherapy key.
    let purpose = access.seals_with();
    if !access.opens(column, purpose) {
        tracing::error!(
            column.table,
            column.column,
            "a write outside the access's reach"
        );
        return Err(AppError::Internal);
    }
    let scope = Scope::of(access.organization_id(), access.patient_id(), purpose);
    Ok(Sealed::seal(vault, conn, scope, column.at(row), value)
        .await?
        .into_bytes())
}

/// As [`open`], for a column that may hold nothing: `None` stays `None`.
pub async fn open_some<T: PhiValue>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: Column,
    row: Uuid,
    bytes: Option<Vec<u8>>,
) -> Result<Option<Phi<T>>, ReadError> {
    match bytes {
        Some(bytes) => Ok(Some(open(conn, vault, access, column, row, bytes).await?)),
        None => Ok(None),
    }
}

/// The stored `bytes` of `column` in row `row`, opened; a value that does
/// not open is [`ReadError::Unreadable`], never empty.
pub async fn open<T: PhiValue>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: Column,
    row: Uuid,
    bytes: Vec<u8>,
) -> Result<Phi<T>, ReadError> {
    Sealed::<T>::from_stored(bytes)
        .open(vault, conn, access, column, row)
        .await
        .map_err(|why| ReadError::Unreadable {
            column: column.column,
            why,
        })
}
