//! Access to one patient's record: the only way to get a
//! [`PatientAccess`], the value the vault asks for before it opens anything
//! sealed with that patient's key.
//!
//! Two steps, so that each lands where it must:
//! 1. [`decide`] asks the policy. A refusal is recorded in the trail at
//!    once (outside any transaction, so it stays recorded) and answered as
//!    "not found": whether a record exists is itself not shown to someone
//!    who may not see it. An allowed decision is a [`Grant`].
//! 2. [`record`] spends the grant inside the transaction that reads the
//!    record: it writes the access to the trail and hands back the
//!    [`PatientAccess`]. If the audit write fails, the transaction fails
//!    and nothing is shown.
//!
//! Neither type can be built anywhere else: their fields are private. A
//! read that fails after the grant goes through [`failed_read`].

use super::{
    audit::{self, Actor, Event, Origin},
    client::ClientInfo,
    db::schema::patients,
    patients::ReadError,
    session::SignedIn,
};
use crate::{
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The policy allowed `actor` at this patient's record; not yet recorded.
#[must_use = "a grant does nothing until `access::record` spends it"]
#[derive(Debug)]
pub struct Grant {
    organization_id: Uuid,
    patient_id: Uuid,
    actor: Actor,
    endpoint: &'static str,
}

/// An authorized, recorded access to one patient's record, for the
/// transaction it was recorded in. Opens that patient's sealed values and
/// no one else's.
#[derive(Debug)]
pub struct PatientAccess {
    organization_id: Uuid,
    patient_id: Uuid,
    _recorded: (),
}

impl PatientAccess {
    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    pub fn patient_id(&self) -> Uuid {
        self.patient_id
    }
}

/// Whether `who` may read the record of patient `patient_id`.
///
/// The rule today: patients reach their own record; therapists reach the
/// records of their practice; administrators reach none (they run the
/// practice, not its charts). The care team and emergency access narrow
/// and widen the therapists' rule with the clinical records.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    who: &SignedIn,
    patient_id: Uuid,
    endpoint: &'static str,
    client: &ClientInfo,
) -> Result<Grant, AppError> {
    let found: Option<Option<Uuid>> = patients::table
        .find(patient_id)
        .filter(patients::organization_id.eq(who.organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::user_id)
        .first(conn)
        .await
        .optional()?;
    let allowed = match (found, who.role) {
        (None, _) => false,
        (Some(portal), Role::Patient) => portal == Some(who.user_id),
        (Some(_), Role::Therapist) => true,
        (Some(_), Role::Admin) => false,
    };
    if !allowed {
        let mut event = Event::new(
            AuditAction::AccessDenied,
            AuditOutcome::Denied,
            Actor::of(who),
            Origin::from(client),
        )
        .on("endpoint", endpoint);
        // Only a patient of this practice is named: an id from elsewhere
        // (or none) is kept as what was asked for.
        event = match found {
            Some(_) => event.about_patient(patient_id),
            None => event.because("no such patient in this practice"),
        };
        audit::record(conn, event).await?;
        return Err(AppError::NotFound);
    }
    Ok(Grant {
        organization_id: who.organization_id,
        patient_id,
        actor: Actor::of(who),
        endpoint,
    })
}

/// Records the access `grant` allowed, as `action`, and answers the
/// capability to open the patient's values. Call it inside the transaction
/// that reads them.
pub async fn record(
    conn: &mut AsyncPgConnection,
    grant: Grant,
    action: AuditAction,
    client: &ClientInfo,
) -> Result<PatientAccess, AppError> {
    let event = Event::new(
        action,
        AuditOutcome::Allowed,
        grant.actor,
        Origin::from(client),
    )
    .on("endpoint", grant.endpoint)
    .about_patient(grant.patient_id);
    audit::record(conn, event).await?;
    Ok(PatientAccess {
        organization_id: grant.organization_id,
        patient_id: grant.patient_id,
        _recorded: (),
    })
}

/// What a read of the record `grant` allowed comes to when it fails: a
/// database error stays itself; a value that does not open is logged (where,
/// never what), recorded in the trail as an error, and answered as
/// [`AppError::RecordUnreadable`], never as an empty record. Call it after
/// the reading transaction rolled back, so the error stays recorded.
pub async fn failed_read(
    conn: &mut AsyncPgConnection,
    who: &SignedIn,
    patient_id: Uuid,
    endpoint: &'static str,
    action: AuditAction,
    client: &ClientInfo,
    error: ReadError,
) -> AppError {
    let (column, why) = match error {
        ReadError::App(error) => return error,
        ReadError::Unreadable { column, why } => (column, why),
    };
    tracing::error!(patient.id = %patient_id, column, %why, "a sealed value did not open");
    let event = Event::new(
        action,
        AuditOutcome::Error,
        Actor::of(who),
        Origin::from(client),
    )
    .on("endpoint", endpoint)
    .about_patient(patient_id)
    .because("record unreadable");
    match audit::record(conn, event).await {
        Ok(_) => AppError::RecordUnreadable,
        Err(error) => error,
    }
}
