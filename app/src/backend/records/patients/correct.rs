//! Corrections of a patient's legal name or date of birth by the practice,
//! with a reason. The values they replace and the reason are kept, sealed
//! with the patient's key, in a correction row of their own; the trail
//! records that a correction was made (naming the row), never either
//! value. The blind indexes follow, so search finds the patient by what is
//! true now and no longer by what was wrong.

use super::{SearchBy, check::FIRST_BIRTHDAY, demographics};
use crate::backend::{
    dates::{Zone, check_day, day},
    db::schema::{identity_corrections, patients, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Phi, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::{details::PastCorrection, validate::check_display_name},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use zeroize::Zeroize;

/// The shortest and longest reason, in characters.
pub const REASON_MIN: usize = 10;
pub const REASON_MAX: usize = 500;

/// A correction as typed, checked: what changes (blank fields do not) and
/// why. Health information: never printed.
pub struct Correction {
    legal_name: Option<String>,
    date_of_birth: Option<Date>,
    reason: String,
}

impl std::fmt::Debug for Correction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Correction(<redacted>)")
    }
}

/// What a correction row seals: the reason, and the values it replaced.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct CorrectionBody {
    reason: String,
    legal_name_was: Option<String>,
    date_of_birth_was: Option<Date>,
}

impl SealedAsJson for CorrectionBody {
    fn wipe_fields(&mut self) {
        self.reason.zeroize();
        self.legal_name_was.zeroize();
    }
}

/// Checks a correction: a legal name by the rules a new patient's follows,
/// a date of birth between 1900 and `today`, at least one of them, and a
/// reason of [`REASON_MIN`] to [`REASON_MAX`] characters.
pub fn check(
    legal_name: &str,
    date_of_birth: &str,
    reason: &str,
    today: Date,
) -> Result<Correction, AppError> {
    let mut errors = FieldErrors::new();
    let legal_name = match legal_name.trim() {
        "" => None,
        typed => check_display_name(&mut errors, "legal_name", typed),
    };
    let date_of_birth = match date_of_birth.trim() {
        "" => None,
        typed => check_day(
            &mut errors,
            "date_of_birth",
            typed,
            "birth",
            FIRST_BIRTHDAY,
            today,
        ),
    };
    if errors.is_empty() && legal_name.is_none() && date_of_birth.is_none() {
        errors.add(
            "legal_name",
            "Enter the corrected legal name, date of birth, or both.",
        );
    }
    let reason = reason.trim();
    let length = reason.chars().count();
    if length < REASON_MIN {
        errors.add(
            "reason",
            format!("Say why, in at least {REASON_MIN} characters (for example, the document you checked)."),
        );
    } else if length > REASON_MAX {
        errors.add("reason", format!("At most {REASON_MAX} characters."));
    }
    errors.into_result()?;
    Ok(Correction {
        legal_name,
        date_of_birth,
        reason: reason.to_owned(),
    })
}

/// Applies `correction` to the patient `access` is for, by `by`, as
/// correction row `id`: the new values sealed, their blind indexes
/// rebuilt, the old values and the reason kept in the row. A correction
/// that changes nothing is refused beside its field. Call it in the
/// transaction `access` was recorded in.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    by: Uuid,
    correction: &Correction,
) -> Result<(), AppError> {
    // A record whose current values do not open is not corrected over:
    // what it replaced could not be kept.
    let current = match demographics(conn, vault, access).await {
        Ok(current) => current,
        Err(ReadError::App(error)) => return Err(error),
        Err(ReadError::Unreadable { column, why }) => {
            tracing::error!(column, ?why, "a correction met a value that does not open");
            return Err(AppError::RecordUnreadable);
        }
    };
    let name = correction
        .legal_name
        .as_ref()
        .filter(|name| *name != current.legal_name.expose());
    let born = correction
        .date_of_birth
        .filter(|born| born != current.date_of_birth.expose());
    if name.is_none() && born.is_none() {
        let mut errors = FieldErrors::new();
        errors.add("legal_name", "That is what the record already says.");
        return Err(AppError::Invalid(errors));
    }
    let body = CorrectionBody {
        reason: correction.reason.clone(),
        legal_name_was: name.map(|_| current.legal_name.expose().clone()),
        date_of_birth_was: born.map(|_| *current.date_of_birth.expose()),
    };
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::IDENTITY_CORRECTION_BODY,
        id,
        &body,
    )
    .await?;
    diesel::insert_into(identity_corrections::table)
        .values((
            identity_corrections::id.eq(id),
            identity_corrections::organization_id.eq(access.organization_id()),
            identity_corrections::patient_id.eq(access.patient_id()),
            identity_corrections::body_sealed.eq(sealed),
            identity_corrections::corrected_by.eq(by),
        ))
        .execute(conn)
        .await?;
    let patient = access.patient_id();
    let organization_id = access.organization_id();
    let row = patients::table
        .find(patient)
        .filter(patients::organization_id.eq(organization_id));
    if let Some(name) = name {
        let sealed = sealing::seal(
            conn,
            vault,
            access,
            columns::PATIENT_LEGAL_NAME,
            patient,
            name,
        )
        .await?;
        diesel::update(row)
            .set((
                patients::legal_name_sealed.eq(sealed),
                patients::legal_name_index.eq(SearchBy::Name(name).index(vault, organization_id)),
            ))
            .execute(conn)
            .await?;
    }
    if let Some(born) = born {
        let sealed = sealing::seal(
            conn,
            vault,
            access,
            columns::PATIENT_DATE_OF_BIRTH,
            patient,
            &born,
        )
        .await?;
        diesel::update(row)
            .set((
                patients::date_of_birth_sealed.eq(sealed),
                patients::date_of_birth_index
                    .eq(SearchBy::DateOfBirth(born).index(vault, organization_id)),
            ))
            .execute(conn)
            .await?;
    }
    diesel::update(row)
        .set((
            patients::version.eq(patients::version + 1),
            patients::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One stored correction, not opened.
#[derive(Queryable, Selectable)]
#[diesel(table_name = identity_corrections)]
struct Stored {
    id: Uuid,
    body_sealed: Vec<u8>,
    created_at: time::OffsetDateTime,
}

/// The corrections made to the patient `access` is for, opened, newest
/// first, their times in the practice's `zone`.
pub async fn history(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Vec<PastCorrection>, ReadError> {
    let rows: Vec<(Stored, String)> = identity_corrections::table
        .inner_join(users::table.on(users::id.eq(identity_corrections::corrected_by)))
        .filter(identity_corrections::patient_id.eq(access.patient_id()))
        .filter(identity_corrections::organization_id.eq(access.organization_id()))
        .order(identity_corrections::created_at.desc())
        .select((Stored::as_select(), staff_name()))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut past = Vec::with_capacity(rows.len());
    for (stored, by) in rows {
        let body: Phi<CorrectionBody> = sealing::open(
            conn,
            vault,
            access,
            columns::IDENTITY_CORRECTION_BODY,
            stored.id,
            stored.body_sealed,
        )
        .await?;
        let body = body.expose();
        past.push(PastCorrection {
            at: zone.minute(stored.created_at),
            by,
            legal_name_was: body.legal_name_was.clone(),
            date_of_birth_was: body.date_of_birth_was.map(day),
            reason: body.reason.clone(),
        });
    }
    Ok(past)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 06);

    #[test]
    fn a_correction_changes_something_and_says_why() {
        let error = check("", "", "", TODAY).expect_err("nothing");
        assert!(error.field("legal_name").is_some());
        assert!(error.field("reason").is_some());
        let error =
            check("Robin Example", "2027-01-01", "Per passport", TODAY).expect_err("future");
        assert!(error.field("date_of_birth").is_some());
        let checked =
            check(" Robin Example ", "", "Checked against the passport", TODAY).expect("valid");
        assert_eq!(checked.legal_name.as_deref(), Some("Robin Example"));
        assert!(checked.date_of_birth.is_none());
        let long = "x".repeat(REASON_MAX + 1);
        assert!(
            check("", "1990-01-01", &long, TODAY)
                .expect_err("long")
                .field("reason")
                .is_some()
        );
    }
}
