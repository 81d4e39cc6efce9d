//! Legal holds: a record kept past its retention because the law asks it
//! (a subpoena, a claim, an investigation). An administrator places one
//! with a reason and lifts it with another; both are sealed with the
//! patient's key (free text about them). At most one is in force per
//! patient; a lifted one stays as history. Erasure refuses a held record,
//! here and again in the database's own function.

use crate::backend::{
    db::schema::{legal_holds, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::retention::HOLD_REASON_MAX,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// A reason as typed, checked: required, at most [`HOLD_REASON_MAX`]
/// characters. Free text about a patient: never printed.
pub struct Reason(String);

impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reason(<redacted>)")
    }
}

/// Checks a reason typed in `field`.
pub fn check_reason(field: &str, typed: &str) -> Result<Reason, AppError> {
    let text = typed.trim();
    let mut errors = FieldErrors::new();
    if text.is_empty() {
        errors.add(
            field,
            "Say why (for example, the case or request it answers).",
        );
    } else if text.chars().count() > HOLD_REASON_MAX {
        errors.add(field, format!("At most {HOLD_REASON_MAX} characters."));
    }
    errors.into_result()?;
    Ok(Reason(text.to_owned()))
}

/// Places a hold on the record `access` is for, by `by`. A record already
/// held is refused beside the reason. Call it in the transaction `access`
/// was recorded in.
pub async fn place(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    by: Uuid,
    reason: &Reason,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::LEGAL_HOLD_REASON,
        id,
        &reason.0,
    )
    .await?;
    let placed = diesel::insert_into(legal_holds::table)
        .values((
            legal_holds::id.eq(id),
            legal_holds::organization_id.eq(access.organization_id()),
            legal_holds::patient_id.eq(access.patient_id()),
            legal_holds::reason_sealed.eq(sealed),
            legal_holds::placed_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if placed == 0 {
        let mut errors = FieldErrors::new();
        errors.add("reason", "This record is already under a legal hold.");
        return Err(AppError::Invalid(errors));
    }
    Ok(id)
}

/// Lifts the hold in force on the record `access` is for, by `by`; none in
/// force is refused beside the reason. Call it in the transaction
/// `access` was recorded in.
pub async fn lift(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    by: Uuid,
    reason: &Reason,
) -> Result<Uuid, AppError> {
    let Some(id) = in_force_for(conn, access).await? else {
        let mut errors = FieldErrors::new();
        errors.add("reason", "This record is not under a legal hold.");
        return Err(AppError::Invalid(errors));
    };
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::LEGAL_HOLD_LIFT_REASON,
        id,
        &reason.0,
    )
    .await?;
    diesel::update(legal_holds::table.find(id))
        .filter(legal_holds::lifted_at.is_null())
        .set((
            legal_holds::lifted_by.eq(by),
            legal_holds::lifted_at.eq(diesel::dsl::now),
            legal_holds::lift_reason_sealed.eq(sealed),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// The hold in force on the record `access` is for, if any.
pub async fn in_force_for(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
) -> QueryResult<Option<Uuid>> {
    legal_holds::table
        .filter(legal_holds::organization_id.eq(access.organization_id()))
        .filter(legal_holds::patient_id.eq(access.patient_id()))
        .filter(legal_holds::lifted_at.is_null())
        .select(legal_holds::id)
        .first(conn)
        .await
        .optional()
}

/// The patients of practice `organization_id` under a hold in force.
pub async fn held(conn: &mut AsyncPgConnection, organization_id: Uuid) -> QueryResult<Vec<Uuid>> {
    legal_holds::table
        .filter(legal_holds::organization_id.eq(organization_id))
        .filter(legal_holds::lifted_at.is_null())
        .order(legal_holds::placed_at)
        .select(legal_holds::patient_id)
        .load(conn)
        .await
}

/// A hold in force, opened.
pub struct Hold {
    pub reason: crate::backend::vault::Phi<String>,
    pub placed_at: OffsetDateTime,
    pub placed_by: String,
}

/// The hold in force on the record `access` is for, opened.
pub async fn read(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Option<Hold>, ReadError> {
    let row: Option<(Uuid, Vec<u8>, OffsetDateTime, String)> = legal_holds::table
        .inner_join(users::table.on(users::id.eq(legal_holds::placed_by)))
        .filter(legal_holds::organization_id.eq(access.organization_id()))
        .filter(legal_holds::patient_id.eq(access.patient_id()))
        .filter(legal_holds::lifted_at.is_null())
        .select((
            legal_holds::id,
            legal_holds::reason_sealed,
            legal_holds::placed_at,
            staff_name(),
        ))
        .first(conn)
        .await
        .optional()
        .map_err(AppError::from)?;
    let Some((id, sealed, placed_at, placed_by)) = row else {
        return Ok(None);
    };
    let reason = sealing::open(conn, vault, access, columns::LEGAL_HOLD_REASON, id, sealed).await?;
    Ok(Some(Hold {
        reason,
        placed_at,
        placed_by,
    }))
}
