//! Consents. Administrators keep the practice's forms (`/admin/consents`:
//! each change a new version, the old one kept); a patient reads and signs
//! them in the portal (`/me/consents`) with their typed name, and revokes
//! one there with a fresh second factor; staff record a consent signed on
//! paper and see which are in force (`/patients/{id}/consents`).
//!
//! Patients reach their own record; staff reach it as for the record set
//! (the care team and the practice's administrators, never under
//! emergency access). Each read and change is recorded.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::consent::{ConsentForm, ConsentTemplate, MyConsents, PatientConsents, TemplateForm},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// The practice's current forms, for its administrators.
#[server(prefix = "/api", endpoint = "consent-forms", input = GetUrl)]
pub async fn get_consent_forms() -> Result<Vec<ConsentTemplate>, AppError> {
    use crate::backend::{identity::authz::Admin, records::consents::templates};
    let (request, admin) = Request::only("consent-forms", Admin::check).await?;
    let zone = request.zone().await?;
    templates::current(&mut *request.conn().await?, admin.organization_id, &zone).await
}

/// Adds a form, or a new version of one (`replaces`), as typed; recorded
/// as a change of the practice.
#[server(prefix = "/api", endpoint = "add-consent-form")]
pub async fn add_consent_form(
    csrf_token: String,
    #[server(flatten)]
    #[server(default)]
    form: TemplateForm,
) -> Result<Uuid, AppError> {
    use crate::backend::{identity::authz::Admin, records::consents::templates};
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = Request::only("add-consent-form", Admin::check).await?;
    let new = templates::check(&form)?;
    let mut conn = request.conn().await?;
    templates::add(&mut conn, admin, &request.caller.client, new).await
}

/// The signed-in patient's consents and the practice's forms they have
/// not signed; `None` when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-consents", input = GetUrl)]
pub async fn get_my_consents() -> Result<Option<MyConsents>, AppError> {
    use crate::backend::records::{access::Reach, consents};
    use crate::model::{audit::AuditAction, consent::ConsentState};
    let (request, grant) = super::patient::own_request("my-consents", Reach::OwnRecord).await?;
    let Some(grant) = grant else {
        return Ok(None);
    };
    let zone = request.zone().await?;
    let organization_id = request.who().organization_id;
    let forms =
        consents::templates::current(&mut *request.conn().await?, organization_id, &zone).await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let given = consents::list(conn, vault, access, &zone).await?;
                    // A form stays to sign until a consent to it is in force
                    // (a release may be signed again for another recipient).
                    let to_sign = forms
                        .into_iter()
                        .filter(|form| {
                            form.kind.names_recipient()
                                || !given.iter().any(|c| {
                                    c.title == form.title && c.state == ConsentState::InForce
                                })
                        })
                        .collect();
                    Ok(MyConsents {
                        to_sign,
                        consents: given,
                    })
                })
            },
        )
        .await
        .map(Some)
}

/// The signed-in patient signs a form: the version they were shown (its
/// hash), their full legal name typed, and for a release its recipient,
/// what, why and until when.
#[server(prefix = "/api", endpoint = "sign-consent")]
pub async fn sign_consent(
    csrf_token: String,
    #[server(flatten)]
    #[server(default)]
    form: ConsentForm,
) -> Result<(), AppError> {
    use crate::backend::records::{
        access::Reach,
        consents::{self, Signer, sign},
        patients,
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, grant) = super::patient::own_request("sign-consent", Reach::OwnRecord).await?;
    let grant = grant.ok_or(AppError::NotFound)?;
    let template = form_of(&request, &form.template_id).await?;
    let zone = request.zone().await?;
    let by = request.who().user_id;
    let id = Uuid::new_v4();
    // `read`: signing opens the legal name (a value that does not open is
    // answered as unreadable, never compared as empty).
    request
        .read(
            grant.on("consent", id),
            AuditAction::RecordCreated,
            move |conn, vault, access| {
                Box::pin(async move {
                    let name = patients::legal_name(conn, vault, access).await?;
                    let signer = Signer::Patient {
                        legal_name: name.expose(),
                    };
                    let now = time::OffsetDateTime::now_utc();
                    let consent = sign::check(&form, &template, signer, &zone, now)?;
                    Ok(consents::record(conn, vault, access, id, by, &consent).await?)
                })
            },
        )
        .await
}

/// The signed-in patient revokes consent `consent_id` of theirs, from now
/// on; a second factor must have been entered lately.
#[server(prefix = "/api", endpoint = "revoke-consent")]
pub async fn revoke_consent(csrf_token: String, consent_id: Uuid) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Sensitive,
        records::{access::Reach, consents},
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, grant) = super::patient::own_request("revoke-consent", Reach::OwnRecord).await?;
    let grant = grant.ok_or(AppError::NotFound)?;
    super::fresh_factor(&request.state, request.who(), Sensitive::RevokeConsent)?;
    let by = request.who().user_id;
    let patient_id = grant.patient_id();
    let revoked = request
        .act(
            grant.on("consent", consent_id),
            AuditAction::RecordUpdated,
            move |conn, _, access| {
                Box::pin(async move { consents::revoke(conn, access, consent_id, by).await })
            },
        )
        .await;
    // Not theirs, or revoked already: recorded as a refusal.
    request.not_found_recorded(patient_id, revoked).await
}

/// Patient `patient_id`'s consents, for staff, with the practice's forms
/// to record a paper one against.
#[server(prefix = "/api", endpoint = "patient-consents", input = GetUrl)]
pub async fn get_patient_consents(patient_id: Uuid) -> Result<PatientConsents, AppError> {
    use crate::backend::{
        identity::authz::Staff,
        records::{access::Reach, consents, patients},
    };
    use crate::model::audit::AuditAction;
    let (request, staff) = Request::only("patient-consents", Staff::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let zone = request.zone().await?;
    let forms =
        consents::templates::current(&mut *request.conn().await?, staff.organization_id, &zone)
            .await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    Ok(PatientConsents {
                        patient_name: patients::legal_name(conn, vault, access)
                            .await?
                            .expose()
                            .clone(),
                        forms,
                        consents: consents::list(conn, vault, access, &zone).await?,
                    })
                })
            },
        )
        .await
}

/// Records a consent patient `patient_id` signed on paper, as typed (the
/// form version, the name as signed, the day, and for a release its
/// recipient, what, why and until when).
#[server(prefix = "/api", endpoint = "record-paper-consent")]
pub async fn record_paper_consent(
    csrf_token: String,
    patient_id: Uuid,
    #[server(flatten)]
    #[server(default)]
    form: ConsentForm,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Staff,
        records::{
            access::Reach,
            consents::{self, Signer, sign},
        },
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, staff) = Request::only("record-paper-consent", Staff::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let template = form_of(&request, &form.template_id).await?;
    let zone = request.zone().await?;
    let now = time::OffsetDateTime::now_utc();
    let consent = sign::check(&form, &template, Signer::Paper, &zone, now)?;
    let id = Uuid::new_v4();
    request
        .act(
            grant.on("consent", id),
            AuditAction::RecordCreated,
            move |conn, vault, access| {
                Box::pin(async move {
                    consents::record(conn, vault, access, id, staff.user_id, &consent).await
                })
            },
        )
        .await
}

/// How many consents in force end within 30 days, for the administrators'
/// home. Counted from plain dates, nothing opened.
#[server(prefix = "/api", endpoint = "consents-expiring", input = GetUrl)]
pub async fn get_consents_expiring() -> Result<i64, AppError> {
    use crate::backend::{identity::authz::Admin, records::consents};
    let (request, admin) = Request::only("consents-expiring", Admin::check).await?;
    let today = request.zone().await?.today();
    consents::expiring_count(&mut *request.conn().await?, admin.organization_id, today).await
}

/// The version of the practice's form `typed` names; refused beside the
/// field when it is none of theirs.
#[cfg(feature = "ssr")]
async fn form_of(
    request: &Request,
    typed: &str,
) -> Result<crate::backend::records::consents::templates::Stored, AppError> {
    use crate::{backend::records::consents::templates, error::FieldErrors};
    let organization_id = request.who().organization_id;
    let found = match typed.trim().parse::<Uuid>() {
        Ok(id) => templates::find(&mut *request.conn().await?, organization_id, id).await?,
        Err(_) => None,
    };
    found.ok_or_else(|| {
        let mut errors = FieldErrors::new();
        errors.add("template_id", "Choose one of the practice's forms.");
        AppError::Invalid(errors)
    })
}
