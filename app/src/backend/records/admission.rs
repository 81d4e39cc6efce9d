//! A new patient joins the practice: their record, and the therapist who
//! adds them as the first of their care team. Apart from both `patients`
//! and `care_team` because it uses the two (and the policy uses the care
//! team, and the patients' records use the policy's access).

use crate::backend::{
    audit,
    records::access::caller::Caller,
    records::care_team,
    records::patients::{self, NewPatient},
    vault::Vault,
};
use crate::{
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

/// Adds a new patient to the practice, with the caller (a therapist) as the
/// first of their care team: the record, `record.created` and
/// `care_team.added`, in one transaction (all of it, or none).
pub async fn admit(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    caller: &Caller,
    new: &NewPatient,
) -> Result<Uuid, AppError> {
    let who = &caller.who;
    let organization_id = who.organization_id;
    conn.transaction::<_, AppError, _>(async |conn| {
        let id = patients::create(conn, vault, organization_id, new).await?;
        let created = caller.event(AuditAction::RecordCreated).about_patient(id);
        audit::record(conn, created).await?;
        let joined = caller
            .event_as(AuditAction::CareTeamAdded, AuditOutcome::Allowed)
            .about_patient(id)
            .about_user(who.user_id)
            .because("added the patient");
        care_team::add(conn, organization_id, id, who.user_id, who.user_id, joined).await?;
        Ok(id)
    })
    .await
}
