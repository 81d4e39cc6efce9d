//! Erasing a record whose retention has ended: its data keys destroyed
//! (every value it sealed becomes noise, wherever a copy lies), every row
//! about the patient removed with the blind indexes in them, their portal
//! account and sessions gone, and a tombstone left (id, dates, who). The
//! audit trail, which holds no health information, keeps referring to the
//! id and still verifies.
//!
//! One transaction per patient, so erasure stopped anywhere (even by
//! `kill -9`) leaves each patient whole or gone, and a rerun carries on.
//! The database's own function (`cairn_erase_patient`, with its owner's
//! rights: the application's role deletes none of these rows itself)
//! refuses a held record, a record of another practice and one whose day
//! has not come, whatever the application asked.

use super::{
    activity::{self, Which},
    review::{self, Looked},
};
use crate::backend::{
    dates::day,
    db::schema::patients,
    practice_settings::Retention,
    records::access::{self, Grant, PatientAccess, ReadError},
    vault::Vault,
};
use crate::{
    error::{AppError, FieldErrors},
    model::{audit::AuditAction, validate::same_name},
};
use diesel::{prelude::*, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::Date;
use uuid::Uuid;

/// Who erases, and how they confirmed it.
#[derive(Clone)]
pub enum By {
    /// An administrator who typed the patient's full name (and passed a
    /// fresh second factor, which the endpoint demands).
    Admin { user_id: Uuid, typed_name: String },
    /// The operator's `cairn retention erase --due`.
    Operator,
}

/// The typed name is a patient's name: never printed.
impl std::fmt::Debug for By {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            By::Admin { user_id, .. } => write!(f, "By::Admin({user_id}, <redacted>)"),
            By::Operator => f.write_str("By::Operator"),
        }
    }
}

/// Erases the record `grant` is for, on `today`, confirmed as `by` says,
/// in one transaction that records it as `record.erased`; then the vault
/// forgets the keys destroyed. A held record, or one kept past `today`, is
/// refused (beside the form's `erase`) and nothing changes.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grant: Grant,
    by: By,
    retention: Retention,
    today: Date,
) -> Result<(), AppError> {
    let keys = access::within(
        conn,
        vault,
        grant,
        AuditAction::RecordErased,
        move |conn, vault, access| {
            Box::pin(async move { erase_within(conn, vault, access, &by, retention, today).await })
        },
    )
    .await?;
    for key in keys {
        vault.forget_destroyed(key);
    }
    Ok(())
}

/// A refusal, said beside the form.
fn refused(message: String) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add("erase", message);
    AppError::Invalid(errors)
}

async fn erase_within(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    by: &By,
    retention: Retention,
    today: Date,
) -> Result<Vec<u32>, AppError> {
    let patient = access.patient_id();
    let organization_id = access.organization_id();
    // Held still while it is checked and erased: a hold placed meanwhile
    // waits for this transaction, then finds nothing to hold.
    patients::table
        .find(patient)
        .filter(patients::organization_id.eq(organization_id))
        .select(patients::id)
        .for_update()
        .first::<Uuid>(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    let [found] =
        <[_; 1]>::try_from(activity::of(conn, organization_id, Which::Patient(patient)).await?)
            .map_err(|_| AppError::NotFound)?;
    let looked: Looked = match review::look(conn, vault, access, found, retention).await {
        Ok(looked) => looked,
        Err(ReadError::App(error)) => return Err(error),
        // A record that does not open cannot be checked: never erased.
        Err(ReadError::Unreadable { column, why }) => {
            tracing::error!(patient.id = %patient, column, %why, "a sealed value did not open; not erased");
            return Err(AppError::RecordUnreadable);
        }
    };
    if looked.hold.is_some() {
        return Err(refused(
            "This record is under a legal hold: lift the hold before erasing it.".to_owned(),
        ));
    }
    let kept_until = looked.kept_until;
    if kept_until > today {
        return Err(refused(format!(
            "This record is kept until {}: it cannot be erased before then.",
            day(kept_until)
        )));
    }
    let erased_by = match by {
        By::Admin {
            user_id,
            typed_name,
        } => {
            if !same_name(typed_name, looked.legal_name.expose()) {
                let mut errors = FieldErrors::new();
                errors.add(
                    "confirm_name",
                    "Type the patient's full legal name, as the record has it.",
                );
                return Err(AppError::Invalid(errors));
            }
            Some(*user_id)
        }
        By::Operator => None,
    };
    drop(looked);
    let keys: Vec<Key> = diesel::sql_query("SELECT cairn_erase_patient($1, $2, $3, $4, $5) AS key")
        .bind::<sql_types::Uuid, _>(patient)
        .bind::<sql_types::Uuid, _>(organization_id)
        .bind::<sql_types::Nullable<sql_types::Uuid>, _>(erased_by)
        .bind::<sql_types::Date, _>(found.last_activity)
        .bind::<sql_types::Date, _>(kept_until)
        .load(conn)
        .await?;
    Ok(keys.into_iter().map(|k| k.key.unsigned_abs()).collect())
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = sql_types::Integer)]
    key: i32,
}
