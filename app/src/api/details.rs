//! A patient's further details (preferred name, pronouns, gender identity
//! and sex assigned at birth, language, address, emergency contact): the
//! care team edits them from the chart, the patient their own parts from
//! the portal. Each save is recorded against the patient's details.
//! Insurance policies, too, are the care team's to record on the chart.
//! The practice (the care team, or an administrator) corrects a legal name
//! or date of birth, with a reason.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::details::{DetailsForm, InsuranceForm},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Saves every detail of `patient_id` as typed (the form's fields, by
/// name; a blank one clears its detail).
/// Anyone who reaches the chart.
#[server(prefix = "/api", endpoint = "save-details")]
pub async fn save_details(
    csrf_token: String,
    patient_id: Uuid,
    #[server(flatten)]
    #[server(default)]
    form: DetailsForm,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Therapist,
        records::access::Reach,
        records::details::{self, Editor},
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("save-details", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let checked = details::check(&form, Editor::CareTeam)?;
    let grant = grant.on("patient_details", patient_id);
    request
        .act(grant, AuditAction::RecordUpdated, |conn, vault, access| {
            Box::pin(
                async move { details::save(conn, vault, access, Editor::CareTeam, &checked).await },
            )
        })
        .await
}

/// Saves the signed-in patient's own parts of their details as typed:
/// how to address them, their language, address and emergency contact
/// (gender fields, if sent, are ignored: the care team records them).
#[server(prefix = "/api", endpoint = "my-details")]
pub async fn update_my_details(
    csrf_token: String,
    #[server(flatten)]
    #[server(default)]
    form: DetailsForm,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Patient,
        records::details::{self, Editor},
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, patient) = Request::only("my-details", Patient::check).await?;
    let Some(grant) = super::patient::own_record(&request, patient).await? else {
        return Err(AppError::NotFound);
    };
    let checked = details::check(&form, Editor::Patient)?;
    let patient_id = grant.patient_id();
    let grant = grant.on("patient_details", patient_id);
    request
        .act(grant, AuditAction::RecordUpdated, |conn, vault, access| {
            Box::pin(
                async move { details::save(conn, vault, access, Editor::Patient, &checked).await },
            )
        })
        .await
}

/// Records an insurance policy on the chart of `patient_id` (the form's
/// fields, by name). The first policy in use is primary; ticking
/// "primary" moves it to the new one. Anyone who reaches the chart.
#[server(prefix = "/api", endpoint = "add-insurance")]
pub async fn add_insurance(
    csrf_token: String,
    patient_id: Uuid,
    #[server(flatten)]
    #[server(default)]
    form: InsuranceForm,
) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::insurance};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("add-insurance", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let today = request.zone().await?.today();
    let policy = insurance::check(&form, today)?;
    let (id, by) = (Uuid::new_v4(), request.who().user_id);
    request
        .act(
            grant.on("insurance", id),
            AuditAction::RecordCreated,
            |conn, vault, access| {
                Box::pin(async move { insurance::add(conn, vault, access, id, by, &policy).await })
            },
        )
        .await
}

/// Makes policy `policy_id` of `patient_id` the primary one (`change` is
/// `primary`), or ends it (`end`: no longer in use, kept on the chart).
#[server(prefix = "/api", endpoint = "change-insurance")]
pub async fn change_insurance(
    csrf_token: String,
    patient_id: Uuid,
    policy_id: Uuid,
    #[server(default)] change: String,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Therapist,
        records::access::Reach,
        records::insurance::{self, Change},
    };
    use crate::error::FieldErrors;
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("change-insurance", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let change = match change.as_str() {
        "primary" => Change::MakePrimary,
        "end" => Change::End,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add("change", "Choose what to do with the policy.");
            return Err(AppError::Invalid(errors));
        }
    };
    let by = request.who().user_id;
    request
        .act(
            grant.on("insurance", policy_id),
            AuditAction::RecordUpdated,
            |conn, _, access| {
                Box::pin(
                    async move { insurance::change(conn, access, policy_id, by, change).await },
                )
            },
        )
        .await
}

/// Corrects the legal name or the date of birth of `patient_id` (a blank
/// one stays as it is), with `reason`. The care team and the practice's
/// administrators; the values replaced and the reason are kept sealed, and
/// the trail records the correction without either value.
#[server(prefix = "/api", endpoint = "correct-identity")]
pub async fn correct_identity(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] legal_name: String,
    #[server(default)] date_of_birth: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Staff, records::access::Reach, records::patients::correct,
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, staff) = Request::only("correct-identity", Staff::check).await?;
    // The record as a whole, for the practice: the care team and the
    // administrators, never emergency access.
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let today = request.zone().await?.today();
    let correction = correct::check(&legal_name, &date_of_birth, &reason, today)?;
    let id = Uuid::new_v4();
    request
        .act(
            grant.on("identity_correction", id),
            AuditAction::RecordUpdated,
            |conn, vault, access| {
                Box::pin(async move {
                    correct::apply(conn, vault, access, id, staff.user_id, &correction).await
                })
            },
        )
        .await
}

/// The corrections made to `patient_id`'s legal name and date of birth,
/// newest first: when, by whom, what they replaced and why. Whoever may
/// correct them.
#[server(prefix = "/api", endpoint = "identity-corrections", input = GetUrl)]
pub async fn get_identity_corrections(
    patient_id: Uuid,
) -> Result<Vec<crate::model::details::PastCorrection>, AppError> {
    use crate::backend::{
        identity::authz::Staff, records::access::Reach, records::patients::correct,
    };
    use crate::model::audit::AuditAction;
    let (request, _) = Request::only("identity-corrections", Staff::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let zone = request.zone().await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move { correct::history(conn, vault, access, &zone).await })
            },
        )
        .await
}
