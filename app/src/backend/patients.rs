//! Patients' identifying details, sealed with each patient's own data key
//! and searchable by blind index. Reading them takes a
//! [`PatientAccess`]; finding candidates by an exact value does not open
//! anything.

use super::{
    access::PatientAccess,
    db::schema::patients,
    vault::{Column, Normalize, Phi, PhiValue, Scope, Sealed, Unreadable, Vault, columns},
};
use crate::error::AppError;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::Date;
use uuid::Uuid;

/// A new patient's details, as validated by the caller.
pub struct NewPatient {
    pub legal_name: String,
    pub date_of_birth: Date,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Their portal account, when they have one.
    pub user_id: Option<Uuid>,
}

/// Adds a patient: a data key of their own, every detail sealed with it,
/// blind indexes for the searchable ones. One transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    new: &NewPatient,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let scope = Scope::patient(organization_id, id);
    let index = |column, kind, value: &str| vault.blind_index(organization_id, column, kind, value);
    conn.transaction::<_, AppError, _>(async |conn| {
        let name = columns::PATIENT_LEGAL_NAME;
        let born = columns::PATIENT_DATE_OF_BIRTH;
        let legal_name = Sealed::seal(vault, conn, scope, name.at(id), &new.legal_name).await?;
        let date_of_birth =
            Sealed::seal(vault, conn, scope, born.at(id), &new.date_of_birth).await?;
        let email = match &new.email {
            Some(email) => Some(
                Sealed::seal(vault, conn, scope, columns::PATIENT_EMAIL.at(id), email)
                    .await?
                    .into_bytes(),
            ),
            None => None,
        };
        let phone = match &new.phone {
            Some(phone) => Some(
                Sealed::seal(vault, conn, scope, columns::PATIENT_PHONE.at(id), phone)
                    .await?
                    .into_bytes(),
            ),
            None => None,
        };
        diesel::insert_into(patients::table)
            .values((
                patients::id.eq(id),
                patients::organization_id.eq(organization_id),
                patients::user_id.eq(new.user_id),
                patients::legal_name_sealed.eq(legal_name.into_bytes()),
                patients::legal_name_index.eq(index(name, Normalize::Text, &new.legal_name)),
                patients::date_of_birth_sealed.eq(date_of_birth.into_bytes()),
                patients::date_of_birth_index.eq(index(
                    born,
                    Normalize::Text,
                    &day(new.date_of_birth),
                )),
                patients::email_sealed.eq(email),
                patients::email_index.eq(new
                    .email
                    .as_deref()
                    .map(|e| index(columns::PATIENT_EMAIL, Normalize::Email, e))),
                patients::phone_sealed.eq(phone),
                patients::phone_index.eq(new
                    .phone
                    .as_deref()
                    .map(|p| index(columns::PATIENT_PHONE, Normalize::Phone, p))),
            ))
            .execute(conn)
            .await?;
        Ok(id)
    })
    .await
}

/// The record of the person with account `user_id`, when they have one.
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    use diesel::OptionalExtension;
    Ok(patients::table
        .filter(patients::user_id.eq(user_id))
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::id)
        .first(conn)
        .await
        .optional()?)
}

/// The practice patient `id` belongs to (for operators' commands).
pub async fn organization_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    use diesel::OptionalExtension;
    Ok(patients::table
        .find(id)
        .select(patients::organization_id)
        .first(conn)
        .await
        .optional()?)
}

/// A patient's identifying details, opened.
#[derive(Debug)]
pub struct Demographics {
    pub legal_name: Phi<String>,
    pub date_of_birth: Phi<Date>,
    pub email: Option<Phi<String>>,
    pub phone: Option<Phi<String>>,
}

/// Why a record could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    App(#[from] AppError),
    /// A value is there but does not open: never shown as empty.
    #[error("{column} is unreadable: {why}")]
    Unreadable {
        column: &'static str,
        why: Unreadable,
    },
}

/// The sealed details as stored: name, date of birth, email, phone.
type StoredDetails = (Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

impl From<diesel::result::Error> for ReadError {
    fn from(error: diesel::result::Error) -> Self {
        ReadError::App(error.into())
    }
}

/// The details of the patient `access` is for.
pub async fn demographics(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Demographics, ReadError> {
    let id = access.patient_id();
    let (name, born, email, phone): StoredDetails = patients::table
        .find(id)
        .filter(patients::organization_id.eq(access.organization_id()))
        .select((
            patients::legal_name_sealed,
            patients::date_of_birth_sealed,
            patients::email_sealed,
            patients::phone_sealed,
        ))
        .first(conn)
        .await
        .map_err(AppError::from)?;
    let unreadable = |column: Column| {
        move |why| ReadError::Unreadable {
            column: column.column,
            why,
        }
    };
    let open_text = async |conn: &mut AsyncPgConnection,
                           column: Column,
                           bytes: Option<Vec<u8>>|
           -> Result<Option<Phi<String>>, ReadError> {
        match bytes {
            None => Ok(None),
            Some(bytes) => Sealed::<String>::from_stored(bytes)
                .open(vault, conn, access, column.at(id))
                .await
                .map(Some)
                .map_err(unreadable(column)),
        }
    };
    let legal_name = open_text(conn, columns::PATIENT_LEGAL_NAME, Some(name))
        .await?
        .ok_or(ReadError::App(AppError::Internal))?;
    let date_of_birth = Sealed::<Date>::from_stored(born)
        .open(vault, conn, access, columns::PATIENT_DATE_OF_BIRTH.at(id))
        .await
        .map_err(unreadable(columns::PATIENT_DATE_OF_BIRTH))?;
    Ok(Demographics {
        legal_name,
        date_of_birth,
        email: open_text(conn, columns::PATIENT_EMAIL, email).await?,
        phone: open_text(conn, columns::PATIENT_PHONE, phone).await?,
    })
}

/// A date as the blind index (and the portal) reads it: `YYYY-MM-DD`.
pub fn day(date: Date) -> String {
    String::from_utf8_lossy(&PhiValue::to_bytes(&date)).into_owned()
}

/// A searchable detail and the value sought.
#[derive(Debug, Clone, Copy)]
pub enum SearchBy<'a> {
    Name(&'a str),
    DateOfBirth(Date),
    Email(&'a str),
    Phone(&'a str),
}

/// Patients of the practice whose blind index matches: the candidates.
/// Several values share an index on purpose, so the caller opens the
/// candidates it may read and keeps the exact matches.
pub async fn candidates(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    by: SearchBy<'_>,
) -> Result<Vec<Uuid>, AppError> {
    let index = |column, kind, value: &str| vault.blind_index(organization_id, column, kind, value);
    let in_practice = patients::table
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::id)
        .order(patients::id);
    let found = match by {
        SearchBy::Name(name) => {
            let key = index(columns::PATIENT_LEGAL_NAME, Normalize::Text, name);
            in_practice
                .filter(patients::legal_name_index.eq(key))
                .load(conn)
                .await?
        }
        SearchBy::DateOfBirth(date) => {
            let key = index(columns::PATIENT_DATE_OF_BIRTH, Normalize::Text, &day(date));
            in_practice
                .filter(patients::date_of_birth_index.eq(key))
                .load(conn)
                .await?
        }
        SearchBy::Email(email) => {
            let key = index(columns::PATIENT_EMAIL, Normalize::Email, email);
            in_practice
                .filter(patients::email_index.eq(key))
                .load(conn)
                .await?
        }
        SearchBy::Phone(phone) => {
            let key = index(columns::PATIENT_PHONE, Normalize::Phone, phone);
            in_practice
                .filter(patients::phone_index.eq(key))
                .load(conn)
                .await?
        }
    };
    Ok(found)
}
