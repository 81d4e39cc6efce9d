//! The safety plan: the care team writes it from the chart (anyone who
//! reaches the chart, emergency access included: a plan is often written
//! in the very session that needed one); the patient reads it, with the
//! practice's crisis lines, in the portal.

// The plan's form sends one field per step, and a server function takes a
// form's fields as its arguments (in both builds: the browser's gets the
// same signature).
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{error::AppError, model::safety_plan::MySafetyPlan};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Saves the safety plan of `patient_id` (each step one item per line):
/// the first plan when `version` is 0, else over the plan at `version`
/// (a newer save in between is refused with `EditConflict`, and the form
/// keeps what was typed). Answers the new version.
#[server(prefix = "/api", endpoint = "save-safety-plan")]
pub async fn save_safety_plan(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] version: i32,
    #[server(default)] warning_signs: String,
    #[server(default)] coping: String,
    #[server(default)] distraction: String,
    #[server(default)] helpers: String,
    #[server(default)] professionals: String,
    #[server(default)] environment: String,
    #[server(default)] reasons: String,
) -> Result<i32, AppError> {
    use crate::backend::{
        identity::authz::Therapist, records::access::Reach, records::plans::safety,
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("save-safety-plan", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let draft = safety::check(&[
        ("warning_signs", &warning_signs),
        ("coping", &coping),
        ("distraction", &distraction),
        ("helpers", &helpers),
        ("professionals", &professionals),
        ("environment", &environment),
        ("reasons", &reasons),
    ])?;
    let action = if version == 0 {
        AuditAction::RecordCreated
    } else {
        AuditAction::RecordUpdated
    };
    let author = request.who().user_id;
    // One plan per patient: the trail names it by its patient, so the
    // event exists before a first plan has an id.
    let grant = grant.on("safety_plan", patient_id);
    request
        .act(grant, action, |conn, vault, access| {
            Box::pin(
                async move { safety::save(conn, vault, access, author, version, &draft).await },
            )
        })
        .await
}

/// The signed-in patient's safety plan, whole, and the practice's crisis
/// lines (shown even before there is a plan, or a record).
#[server(prefix = "/api", endpoint = "my-safety-plan", input = GetUrl)]
pub async fn get_my_safety_plan() -> Result<MySafetyPlan, AppError> {
    use crate::{
        backend::{identity::authz::Patient, practice_settings, records::plans::safety},
        model::audit::AuditAction,
    };
    let (request, patient) = Request::only("my-safety-plan", Patient::check).await?;
    let settings =
        practice_settings::questionnaires(&mut *request.conn().await?, patient.organization_id)
            .await?;
    let crisis_resources = settings.crisis_resources;
    let Some(grant) = super::patient::own_record(&request, patient).await? else {
        return Ok(MySafetyPlan {
            plan: None,
            crisis_resources,
        });
    };
    let zone = request.zone().await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    Ok(MySafetyPlan {
                        plan: safety::current(conn, vault, access, &zone).await?,
                        crisis_resources,
                    })
                })
            },
        )
        .await
}
