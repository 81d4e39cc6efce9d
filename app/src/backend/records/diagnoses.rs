//! Diagnoses on a chart: an ICD-10 code and its description, sealed with
//! the patient's key as one value; active until resolved. Nothing is ever
//! removed: a wrong entry is resolved, and the trail says who did what.

use crate::backend::{
    dates::{check_day, day},
    db::schema::{diagnoses, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{PhiValue, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::chart::{DIAGNOSIS_DESCRIPTION_MAX, Diagnosis, DiagnosisStatus},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use zeroize::Zeroize;

/// What is sealed: the code and its description.
#[derive(Default, Serialize, Deserialize)]
pub struct DiagnosisBody {
    pub code: String,
    pub description: String,
}

impl SealedAsJson for DiagnosisBody {
    fn wipe_fields(&mut self) {
        self.code.zeroize();
        self.description.zeroize();
    }
}

/// A diagnosis as typed, checked.
pub struct NewDiagnosis {
    pub body: DiagnosisBody,
    pub onset_date: Date,
}

impl Drop for NewDiagnosis {
    fn drop(&mut self) {
        self.body.wipe();
    }
}

/// Earliest date a diagnosis may carry.
const FIRST_DAY: Date = time::macros::date!(1900 - 01 - 01);

/// An ICD-10 code in its written shape: a letter, two digits or a digit
/// and a letter (`F41`, `F3A`), then optionally a dot and one to four
/// letters or digits (`F41.1`, `F10.239`). Upper case, no spaces.
pub fn is_icd10(code: &str) -> bool {
    let (category, rest) = match code.split_once('.') {
        Some((category, rest)) => (category, Some(rest)),
        None => (code, None),
    };
    let c: Vec<char> = category.chars().collect();
    let category_ok = c.len() == 3
        && c[0].is_ascii_uppercase()
        && c[1].is_ascii_digit()
        && (c[2].is_ascii_digit() || c[2].is_ascii_uppercase());
    let rest_ok = rest.is_none_or(|r| {
        (1..=4).contains(&r.len())
            && r.chars()
                .all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase())
    });
    category_ok && rest_ok
}

/// Checks a diagnosis as typed: an ICD-10 code (case and surrounding
/// spaces forgiven), a description, and an onset date that is a real day
/// between 1900 and `latest`.
pub fn check_new(
    code: &str,
    description: &str,
    onset_date: &str,
    latest: Date,
) -> Result<NewDiagnosis, AppError> {
    let mut errors = FieldErrors::new();
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        errors.add("code", "Enter the ICD-10 code, for example F41.1.");
    } else if !is_icd10(&code) {
        errors.add(
            "code",
            "An ICD-10 code is a letter, two characters, then optionally a dot and up to four more, for example F41.1.",
        );
    }
    let description = description.trim().to_owned();
    if description.is_empty() {
        errors.add(
            "description",
            "Enter the diagnosis as written, for example Generalized anxiety disorder.",
        );
    } else if description.chars().count() > DIAGNOSIS_DESCRIPTION_MAX {
        errors.add(
            "description",
            format!("At most {DIAGNOSIS_DESCRIPTION_MAX} characters."),
        );
    }
    let onset = check_day(
        &mut errors,
        "onset_date",
        onset_date,
        "onset",
        FIRST_DAY,
        latest,
    );
    errors.into_result()?;
    let onset_date = onset.ok_or(AppError::Internal)?;
    Ok(NewDiagnosis {
        body: DiagnosisBody { code, description },
        onset_date,
    })
}

/// What is known of a diagnosis without opening it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = diagnoses)]
pub struct DiagnosisMeta {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub status: DiagnosisStatus,
    pub onset_date: Date,
}

/// The diagnosis `id` of practice `organization_id`.
pub async fn meta(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DiagnosisMeta>, AppError> {
    Ok(diagnoses::table
        .find(id)
        .filter(diagnoses::organization_id.eq(organization_id))
        .select(DiagnosisMeta::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Records `new` on the chart `access` is for, by `recorded_by`. Call it
/// in the transaction `access` was recorded in.
pub async fn add(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    recorded_by: Uuid,
    new: &NewDiagnosis,
) -> Result<(), AppError> {
    let body = sealing::seal(conn, vault, access, columns::DIAGNOSIS_BODY, id, &new.body).await?;
    diesel::insert_into(diagnoses::table)
        .values((
            diagnoses::id.eq(id),
            diagnoses::organization_id.eq(access.organization_id()),
            diagnoses::patient_id.eq(access.patient_id()),
            diagnoses::body_sealed.eq(body),
            diagnoses::onset_date.eq(new.onset_date),
            diagnoses::recorded_by.eq(recorded_by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Checks a resolution date for `diagnosis`: a real day, not before its
/// onset nor after `latest`; and the diagnosis must still be active.
pub fn check_resolution(
    diagnosis: &DiagnosisMeta,
    resolved_date: &str,
    latest: Date,
) -> Result<Date, AppError> {
    let mut errors = FieldErrors::new();
    if diagnosis.status == DiagnosisStatus::Resolved {
        errors.add("resolved_date", "This diagnosis is already resolved.");
        return Err(AppError::Invalid(errors));
    }
    let first = diagnosis.onset_date;
    let date = check_day(
        &mut errors,
        "resolved_date",
        resolved_date,
        "resolution",
        first,
        latest,
    );
    errors.into_result()?;
    date.ok_or(AppError::Internal)
}

/// Marks the active `diagnosis` resolved on `on`. A diagnosis resolved in
/// between is `EditConflict`.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    diagnosis: &DiagnosisMeta,
    on: Date,
) -> Result<(), AppError> {
    let changed = diesel::update(diagnoses::table.find(diagnosis.id))
        .filter(diagnoses::patient_id.eq(access.patient_id()))
        .filter(diagnoses::status.eq(DiagnosisStatus::Active))
        .set((
            diagnoses::status.eq(DiagnosisStatus::Resolved),
            diagnoses::resolved_date.eq(on),
        ))
        .execute(conn)
        .await?;
    if changed == 0 {
        return Err(AppError::EditConflict);
    }
    Ok(())
}

/// The diagnoses of the chart `access` is for, opened: active first, most
/// recent onset first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Vec<Diagnosis>, ReadError> {
    type Stored = (Uuid, Vec<u8>, DiagnosisStatus, Date, Option<Date>, String);
    let stored: Vec<Stored> = diagnoses::table
        .inner_join(users::table.on(users::id.eq(diagnoses::recorded_by)))
        .filter(diagnoses::patient_id.eq(access.patient_id()))
        .filter(diagnoses::organization_id.eq(access.organization_id()))
        .order((diagnoses::onset_date.desc(), diagnoses::created_at.desc()))
        .select((
            diagnoses::id,
            diagnoses::body_sealed,
            diagnoses::status,
            diagnoses::onset_date,
            diagnoses::resolved_date,
            staff_name(),
        ))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut opened = Vec::with_capacity(stored.len());
    for (id, bytes, status, onset, resolved, recorded_by) in stored {
        let body =
            sealing::open::<DiagnosisBody>(conn, vault, access, columns::DIAGNOSIS_BODY, id, bytes)
                .await?;
        opened.push(Diagnosis {
            id,
            code: body.expose().code.clone(),
            description: body.expose().description.clone(),
            status,
            onset_date: day(onset),
            resolved_date: resolved.map(day),
            recorded_by,
        });
    }
    // Stable: within each status the newest onset stays first.
    opened.sort_by_key(|d| d.status != DiagnosisStatus::Active);
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    #[test]
    fn icd10_codes_have_their_written_shape() {
        for good in ["F41.1", "F32", "F10.239", "Z63.0", "F3A", "U07.1", "F43.10"] {
            assert!(is_icd10(good), "{good}");
        }
        for bad in [
            "",
            "F4",
            "41.1",
            "F41.",
            "F41.12345",
            "f41.1",
            "F41-1",
            "FF1.1",
            "F41.1 ",
            "F4.11",
        ] {
            assert!(!is_icd10(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_new_diagnosis_is_checked_field_by_field() {
        let error = check_new("4", "", "2026-13-01", TODAY)
            .err()
            .expect("refused");
        assert!(error.field("code").is_some_and(|m| m.contains("ICD-10")));
        assert!(error.field("description").is_some());
        assert!(
            error
                .field("onset_date")
                .is_some_and(|m| m.contains("YYYY-MM-DD"))
        );
        let error = check_new(
            "F41.1",
            &"x".repeat(DIAGNOSIS_DESCRIPTION_MAX + 1),
            "2027-01-01",
            TODAY,
        )
        .err()
        .expect("refused");
        assert!(
            error
                .field("description")
                .is_some_and(|m| m.contains("At most"))
        );
        assert!(
            error
                .field("onset_date")
                .is_some_and(|m| m.contains("after"))
        );
        let ok = check_new(
            " f41.1 ",
            " Generalized anxiety disorder ",
            "2026-10-02",
            TODAY,
        )
        .expect("valid");
        assert_eq!(ok.body.code, "F41.1");
        assert_eq!(ok.body.description, "Generalized anxiety disorder");
        assert_eq!(ok.onset_date, date!(2026 - 10 - 02));
    }

    #[test]
    fn a_resolution_is_after_onset_and_only_once() {
        let active = DiagnosisMeta {
            id: Uuid::nil(),
            patient_id: Uuid::nil(),
            status: DiagnosisStatus::Active,
            onset_date: date!(2026 - 10 - 02),
        };
        let early = check_resolution(&active, "2026-10-01", TODAY).expect_err("before onset");
        assert!(
            early
                .field("resolved_date")
                .is_some_and(|m| m.contains("before 2026-10-02"))
        );
        assert_eq!(
            check_resolution(&active, "2026-11-20", TODAY).expect("valid"),
            date!(2026 - 11 - 20)
        );
        let resolved = DiagnosisMeta {
            status: DiagnosisStatus::Resolved,
            ..active
        };
        assert!(
            check_resolution(&resolved, "2026-11-20", TODAY)
                .expect_err("twice")
                .field("resolved_date")
                .is_some_and(|m| m.contains("already"))
        );
    }
}
