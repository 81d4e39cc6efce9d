//! Administrators' side of the patient record: the practice's roster
//! (names, portal account, care team; nothing clinical), assigning
//! therapists to care teams, and removing a patient from the practice's
//! lists. Names open through the same policy and trail as a chart, with an
//! access that reaches the name alone (`Reach::Roster`).

use crate::{error::AppError, model::roster::Roster};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::context::Request;

/// Every patient of the practice (not removed), by name, with their care
/// team; and the therapists who can join one.
#[server(prefix = "/api", endpoint = "roster", input = GetUrl)]
pub async fn get_roster() -> Result<Roster, AppError> {
    use crate::{
        backend::{
            identity::authz::Admin, records::access, records::care_team, records::names,
            records::patients as records,
        },
        model::roster::{RosterRow, TeamMember},
    };
    let (request, admin) = Request::only("roster", Admin::check).await?;
    let mut conn = request.conn().await?;
    let grants = access::roster(&mut conn, &admin, &request.caller).await?;
    let teams = care_team::all(&mut conn, admin.organization_id).await?;
    let with_portal = records::with_portal(&mut conn, admin.organization_id).await?;
    let names = names::listed(&mut conn, &request.state.vault, &request.caller, grants).await?;
    let mut rows: Vec<RosterRow> = names
        .into_iter()
        .map(|(patient_id, legal_name)| RosterRow {
            patient_id,
            legal_name,
            portal_account: with_portal.contains(&patient_id),
            care_team: teams
                .iter()
                .filter(|(patient, ..)| *patient == patient_id)
                .map(|(_, id, name)| TeamMember {
                    id: *id,
                    name: name.clone(),
                })
                .collect(),
        })
        .collect();
    rows.sort_by(|a, b| a.legal_name.cmp(&b.legal_name));
    let therapists = care_team::therapists(&mut conn, admin.organization_id)
        .await?
        .into_iter()
        .map(|(id, name)| TeamMember { id, name })
        .collect();
    Ok(Roster { rows, therapists })
}

/// Puts therapist `therapist_id` on patient `patient_id`'s care team (or,
/// with `remove` set, takes them off). Recorded as `care_team.added` or
/// `care_team.removed`, naming both.
#[server(prefix = "/api", endpoint = "care-team")]
pub async fn change_care_team(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] therapist_id: String,
    #[server(default)] remove: bool,
) -> Result<(), AppError> {
    use crate::{
        backend::{identity::authz::Admin, records::access::Reach, records::care_team},
        error::FieldErrors,
        model::audit::{AuditAction, AuditOutcome},
    };
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = Request::only("care-team", Admin::check).await?;
    let grant = request.decide(patient_id, Reach::Roster).await?;
    let mut conn = request.conn().await?;
    let Ok(therapist_id) = therapist_id.trim().parse::<Uuid>() else {
        let mut errors = FieldErrors::new();
        errors.add("therapist_id", "Choose a therapist.");
        return Err(AppError::Invalid(errors));
    };
    let action = if remove {
        AuditAction::CareTeamRemoved
    } else {
        AuditAction::CareTeamAdded
    };
    let event = request
        .caller
        .event_as(action, AuditOutcome::Allowed)
        .about_patient(grant.patient_id())
        .about_user(therapist_id);
    let organization_id = admin.organization_id;
    if remove {
        care_team::remove(&mut conn, organization_id, patient_id, therapist_id, event).await?;
        return Ok(());
    }
    match care_team::add(
        &mut conn,
        organization_id,
        patient_id,
        therapist_id,
        admin.user_id,
        event,
    )
    .await
    {
        // Not a therapist of this practice: a wrong choice in the form.
        Err(AppError::NotFound) => {
            let mut errors = FieldErrors::new();
            errors.add("therapist_id", "Choose a therapist of this practice.");
            Err(AppError::Invalid(errors))
        }
        other => other.map(|_| ()),
    }
}

/// Removes patient `patient_id` from the practice's lists (soft delete:
/// kept for retention, recorded as `record.deleted`). `confirm` must be
/// the word "remove", so it is never one stray click.
#[server(prefix = "/api", endpoint = "remove-patient")]
pub async fn remove_patient(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] confirm: String,
) -> Result<(), AppError> {
    use crate::{
        backend::{identity::authz::Admin, records::access::Reach, records::patients},
        error::FieldErrors,
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("remove-patient", Admin::check).await?;
    let grant = request.decide(patient_id, Reach::Roster).await?;
    if !confirm.trim().eq_ignore_ascii_case("remove") {
        let mut errors = FieldErrors::new();
        errors.add("confirm", "Type remove to confirm.");
        return Err(AppError::Invalid(errors));
    }
    let remover = request.who().user_id;
    request
        .act(grant, AuditAction::RecordDeleted, |conn, _, access| {
            Box::pin(async move { patients::remove(conn, access, remover).await })
        })
        .await?;
    tracing::warn!(user.id = %remover, patient.id = %patient_id, "patient removed from the practice's lists");
    Ok(())
}
