//! A patient's further details: preferred name and pronouns, gender
//! identity and sex assigned at birth (apart, both optional), preferred
//! language, postal address and emergency contact. Each is sealed with the
//! patient's key in its own column of the patient's row, bound to row and
//! column; none has a blind index, since nothing searches by them. The
//! care team edits them all; the patient keeps their own parts current
//! from the portal ([`Editor`]).

mod check;
mod postal;

pub use check::check;
pub use postal::postal_code;

use crate::backend::{
    db::schema::patients,
    records::access::{PatientAccess, ReadError},
    records::patients::Demographics,
    records::sealing,
    vault::{Column, SealedAsJson, Vault, columns},
};
use crate::{
    error::AppError,
    model::details::{Address, EmergencyContact, PatientDetails},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// Who is editing, and so which details a save writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    /// Anyone who reaches the chart: every detail.
    CareTeam,
    /// The patient, from the portal: how to address them, their language,
    /// address and emergency contact; gender identity and sex assigned at
    /// birth are recorded with the care team.
    Patient,
}

/// Gender identity and sex assigned at birth: one sealed value.
#[derive(Clone, Default, Serialize, Deserialize)]
struct SexGender {
    gender_identity: Option<String>,
    sex_at_birth: Option<String>,
}

impl SealedAsJson for SexGender {
    fn wipe_fields(&mut self) {
        self.gender_identity.zeroize();
        self.sex_at_birth.zeroize();
    }
}

impl SealedAsJson for Address {
    fn wipe_fields(&mut self) {
        for part in [
            &mut self.line1,
            &mut self.line2,
            &mut self.city,
            &mut self.region,
            &mut self.postal_code,
            &mut self.country,
        ] {
            part.zeroize();
        }
    }
}

impl SealedAsJson for EmergencyContact {
    fn wipe_fields(&mut self) {
        self.name.zeroize();
        self.relationship.zeroize();
        self.phone.zeroize();
    }
}

/// The details sealed as stored, each column `None` when not given:
/// gender, language, address, emergency contact.
type Stored = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// The details of the patient `access` is for, opened. The preferred name
/// and pronouns come from `known`, their demographics as the page already
/// opened them (every page that shows details names the patient too), so
/// neither is read or decrypted twice.
pub async fn read(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    known: &Demographics,
) -> Result<PatientDetails, ReadError> {
    let (sex_gender, language, address, contact): Stored = patients::table
        .find(access.patient_id())
        .filter(patients::organization_id.eq(access.organization_id()))
        .select((
            patients::sex_gender_sealed,
            patients::language_sealed,
            patients::address_sealed,
            patients::emergency_contact_sealed,
        ))
        .first(conn)
        .await
        .map_err(AppError::from)?;
    let sex_gender: Option<SexGender> =
        open(conn, vault, access, columns::PATIENT_SEX_GENDER, sex_gender).await?;
    let sex_gender = sex_gender.unwrap_or_default();
    let exposed = |value: &Option<crate::backend::vault::Phi<String>>| {
        value.as_ref().map(|v| v.expose().clone())
    };
    Ok(PatientDetails {
        preferred_name: exposed(&known.preferred_name),
        pronouns: exposed(&known.pronouns),
        gender_identity: sex_gender.gender_identity,
        sex_at_birth: sex_gender.sex_at_birth,
        language: open(conn, vault, access, columns::PATIENT_LANGUAGE, language).await?,
        address: open(conn, vault, access, columns::PATIENT_ADDRESS, address).await?,
        emergency_contact: open(
            conn,
            vault,
            access,
            columns::PATIENT_EMERGENCY_CONTACT,
            contact,
        )
        .await?,
    })
}

/// One stored detail of the patient's row, opened, or `None` when not
/// given. What comes out leaves the vault's wrapper: the caller builds a
/// wire value from it at once.
async fn open<T: crate::backend::vault::PhiValue + Clone>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: Column,
    stored: Option<Vec<u8>>,
) -> Result<Option<T>, ReadError> {
    let id = access.patient_id();
    let opened = sealing::open_some::<T>(conn, vault, access, column, id, stored).await?;
    Ok(opened.map(|value| value.expose().clone()))
}

/// One detail sealed for the patient's row, or `None` to clear it.
async fn seal<T: crate::backend::vault::PhiValue>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: Column,
    value: Option<&T>,
) -> Result<Option<Vec<u8>>, AppError> {
    match value {
        Some(value) => Ok(Some(
            sealing::seal(conn, vault, access, column, access.patient_id(), value).await?,
        )),
        None => Ok(None),
    }
}

/// Writes `details` as the patient's, as far as `editor` may (see
/// [`Editor`]); what they may not change stays as it was. Call it in the
/// transaction `access` was recorded in.
pub async fn save(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    editor: Editor,
    details: &PatientDetails,
) -> Result<(), AppError> {
    use columns::{
        PATIENT_ADDRESS, PATIENT_EMERGENCY_CONTACT, PATIENT_LANGUAGE, PATIENT_PREFERRED_NAME,
        PATIENT_PRONOUNS, PATIENT_SEX_GENDER,
    };
    let preferred = seal(
        conn,
        vault,
        access,
        PATIENT_PREFERRED_NAME,
        details.preferred_name.as_ref(),
    )
    .await?;
    let pronouns = seal(
        conn,
        vault,
        access,
        PATIENT_PRONOUNS,
        details.pronouns.as_ref(),
    )
    .await?;
    let language = seal(
        conn,
        vault,
        access,
        PATIENT_LANGUAGE,
        details.language.as_ref(),
    )
    .await?;
    let address = seal(
        conn,
        vault,
        access,
        PATIENT_ADDRESS,
        details.address.as_ref(),
    )
    .await?;
    let contact = seal(
        conn,
        vault,
        access,
        PATIENT_EMERGENCY_CONTACT,
        details.emergency_contact.as_ref(),
    )
    .await?;
    let row = patients::table
        .find(access.patient_id())
        .filter(patients::organization_id.eq(access.organization_id()));
    let theirs = (
        patients::preferred_name_sealed.eq(preferred),
        patients::pronouns_sealed.eq(pronouns),
        patients::language_sealed.eq(language),
        patients::address_sealed.eq(address),
        patients::emergency_contact_sealed.eq(contact),
        patients::version.eq(patients::version + 1),
    );
    let changed = match editor {
        Editor::Patient => diesel::update(row).set(theirs).execute(conn).await?,
        Editor::CareTeam => {
            let given = details.gender_identity.is_some() || details.sex_at_birth.is_some();
            let sex_gender = SexGender {
                gender_identity: details.gender_identity.clone(),
                sex_at_birth: details.sex_at_birth.clone(),
            };
            let sealed = seal(
                conn,
                vault,
                access,
                PATIENT_SEX_GENDER,
                given.then_some(&sex_gender),
            )
            .await?;
            diesel::update(row)
                .set((theirs, patients::sex_gender_sealed.eq(sealed)))
                .execute(conn)
                .await?
        }
    };
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
