//! Administrators' side of the patient record: the practice's roster
//! (names, portal account, care team; nothing clinical), assigning
//! therapists to care teams, and removing a patient from the practice's
//! lists. Names open through the same policy and trail as a chart, with an
//! access that reaches the name alone (`Reach::Roster`).

use crate::{error::AppError, model::roster::Roster};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Every patient of the practice (not removed), by name, with their care
/// team; and the therapists who can join one.
#[server(prefix = "/api", endpoint = "roster", input = GetUrl)]
pub async fn get_roster() -> Result<Roster, AppError> {
    use crate::{
        backend::{access, authz::Admin, care_team, db::schema::patients, patients as records},
        model::{
            audit::AuditAction,
            roster::{RosterRow, TeamMember},
        },
    };
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, RunQueryDsl};
    const ENDPOINT: &str = "roster";
    let (super::chart::Asking { who, state, client }, admin) =
        super::chart::asking_as(ENDPOINT, Admin::check).await?;
    let mut conn = state.db.conn().await?;
    let grants = access::roster(&mut conn, &admin, &who, ENDPOINT).await?;
    let teams = care_team::all(&mut conn, admin.organization_id).await?;
    let with_portal: Vec<Uuid> = patients::table
        .filter(patients::organization_id.eq(admin.organization_id))
        .filter(patients::user_id.is_not_null())
        .select(patients::id)
        .load(&mut conn)
        .await?;
    let mut rows = conn
        .transaction::<_, AppError, _>(async |conn| {
            let mut rows = Vec::with_capacity(grants.len());
            for grant in grants {
                let patient_id = grant.patient_id();
                let access =
                    access::record(conn, grant, AuditAction::RecordListed, &client).await?;
                let legal_name = match records::legal_name(conn, &state.vault, &access).await {
                    Ok(name) => Some(name.expose().clone()),
                    Err(records::ReadError::App(error)) => return Err(error),
                    Err(records::ReadError::Unreadable { column, why }) => {
                        // One unreadable record does not hide the others.
                        let action = AuditAction::RecordListed;
                        let failure = (column, why);
                        access::unreadable(
                            conn, &who, patient_id, ENDPOINT, action, &client, failure,
                        )
                        .await?;
                        None
                    }
                };
                rows.push(RosterRow {
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
                });
            }
            Ok(rows)
        })
        .await?;
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
        backend::{
            access::Reach,
            audit::{Actor, Event, Origin},
            authz::Admin,
            care_team,
        },
        error::FieldErrors,
        model::audit::{AuditAction, AuditOutcome},
    };
    const ENDPOINT: &str = "care-team";
    super::checked_at_the_edge(csrf_token);
    let (super::chart::Asking { who, state, client }, admin, grant) =
        super::chart::reaching(ENDPOINT, Admin::check, patient_id, Reach::Roster).await?;
    let mut conn = state.db.conn().await?;
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
    let event = Event::new(
        action,
        AuditOutcome::Allowed,
        Actor::of(&who),
        Origin::from(&client),
    )
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
        backend::{
            access::{self, Reach},
            authz::Admin,
            patients,
        },
        error::FieldErrors,
        model::audit::AuditAction,
    };
    use diesel_async::AsyncConnection;
    const ENDPOINT: &str = "remove-patient";
    super::checked_at_the_edge(csrf_token);
    let (super::chart::Asking { who, state, client }, _, grant) =
        super::chart::reaching(ENDPOINT, Admin::check, patient_id, Reach::Roster).await?;
    let mut conn = state.db.conn().await?;
    if !confirm.trim().eq_ignore_ascii_case("remove") {
        let mut errors = FieldErrors::new();
        errors.add("confirm", "Type remove to confirm.");
        return Err(AppError::Invalid(errors));
    }
    conn.transaction::<_, AppError, _>(async |conn| {
        let access = access::record(conn, grant, AuditAction::RecordDeleted, &client).await?;
        patients::remove(conn, &access, who.user_id).await
    })
    .await?;
    tracing::warn!(user.id = %who.user_id, patient.id = %patient_id, "patient removed from the practice's lists");
    Ok(())
}
