//! A copy of a patient's record to take away (HIPAA's right of access):
//! the patient's own, or one the care team or an administrator makes for
//! them. The same copy as a readable document (these server functions;
//! the page prints it or saves it as PDF) and as a FHIR R4 bundle (a plain
//! route, so the browser saves a file: `server/src/http/record_export.rs`).
//!
//! Each copy asks for a fresh confirmation that it is the person (step-up),
//! goes through the policy (`Reach::RecordSet`, which never opens a
//! psychotherapy note), and is recorded as `record.exported` in the
//! transaction that reads it; the patient sees it in "Who accessed my
//! record", their own copies included.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::{disclosure::DisclosureForm, record::RecordCopy},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Whose record a copy is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// The signed-in patient's own.
    Own,
    /// Patient `id`'s, made by staff.
    Patient(Uuid),
}

impl Whose {
    /// The endpoint the trail names for the readable copy and the bundle.
    pub fn endpoint(self, bundle: bool) -> &'static str {
        match (self, bundle) {
            (Whose::Own, false) => "my-record",
            (Whose::Own, true) => "my-record-fhir",
            (Whose::Patient(_), false) => "record-copy",
            (Whose::Patient(_), true) => "record-copy-fhir",
        }
    }
}

/// The signed-in patient's whole record, to read, print or save. `None`
/// when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-record", input = GetUrl)]
pub async fn get_my_record() -> Result<Option<RecordCopy>, AppError> {
    let request = Request::anyone(Whose::Own.endpoint(false)).await?;
    match copy_of(&request, Whose::Own, None).await {
        Err(AppError::NotFound) => Ok(None),
        other => other.map(Some),
    }
}

/// Patient `patient_id`'s whole record, for the care team or an
/// administrator to give the patient or send where they ask.
#[server(prefix = "/api", endpoint = "record-copy", input = GetUrl)]
pub async fn get_record_copy(patient_id: Uuid) -> Result<RecordCopy, AppError> {
    let whose = Whose::Patient(patient_id);
    let request = Request::anyone(whose.endpoint(false)).await?;
    copy_of(&request, whose, None).await
}

/// What a copy made for someone else is recorded as having disclosed.
pub const WHAT_A_COPY_HOLDS: &str = "A copy of the whole record: details, insurance, diagnoses, treatment and safety plans, questionnaires, and signed progress notes with their addenda (no psychotherapy notes; notes of substance-use counseling only under the patient's consent to disclose them).";

/// Patient `patient_id`'s whole record, made by staff for someone else
/// (another provider, a lawyer, an insurer): who receives it, what for and
/// on what legal basis are the form's fields; the copy records the
/// disclosure, today, in the transaction that reads it.
#[server(prefix = "/api", endpoint = "record-copy-for")]
pub async fn make_copy_for(
    csrf_token: String,
    patient_id: Uuid,
    #[server(flatten)]
    #[server(default)]
    form: DisclosureForm,
) -> Result<RecordCopy, AppError> {
    use crate::backend::identity::authz::Staff;
    super::checked_at_the_edge(csrf_token);
    // A patient may copy their own record set, but a disclosure is the
    // practice's to record: staff only, before the policy.
    let (request, _) = Request::only("record-copy-for", Staff::check).await?;
    let form = DisclosureForm {
        disclosed_on: String::new(),
        description: WHAT_A_COPY_HOLDS.to_owned(),
        ..form
    };
    copy_of(&request, Whose::Patient(patient_id), Some(&form)).await
}

/// The FHIR bundle of `whose` record, as JSON text, for the download route.
#[cfg(feature = "ssr")]
pub async fn fhir_bundle(
    state: crate::backend::AppState,
    session: &tower_sessions::Session,
    client: crate::backend::client::ClientInfo,
    whose: Whose,
) -> Result<String, AppError> {
    use crate::backend::records::export::fhir;
    let request = Request::of_route(state, session, client, whose.endpoint(true)).await?;
    let copy = copy_of(&request, whose, None).await?;
    serde_json::to_string_pretty(&fhir::bundle(&copy)).map_err(|error| {
        tracing::error!(%error, "a record's bundle did not serialize");
        AppError::Internal
    })
}

/// The copy: the policy (a patient reaches only their own record set;
/// `NotFound` when the practice keeps none), then the disclosure it is
/// for, if any, checked; then a fresh confirmation (step-up), then one
/// transaction that reads every section, records the export and records
/// the disclosure.
#[cfg(feature = "ssr")]
async fn copy_of(
    request: &Request,
    whose: Whose,
    for_someone: Option<&DisclosureForm>,
) -> Result<RecordCopy, AppError> {
    use crate::{
        backend::{
            identity::authz::{Patient, Sensitive},
            organizations,
            records::{
                access::Reach,
                disclosures,
                export::{self, CopyFor},
            },
        },
        model::audit::AuditAction,
    };
    let grant = match whose {
        Whose::Own => {
            let patient = request.authorize(Patient::check).await?;
            super::patient::own(request, patient, Reach::RecordSet)
                .await?
                .ok_or(AppError::NotFound)?
        }
        Whose::Patient(patient_id) => request.decide(patient_id, Reach::RecordSet).await?,
    };
    let zone = request.zone().await?;
    let disclosure = for_someone
        .map(|form| disclosures::check(form, zone.today()))
        .transpose()?;
    // After the policy, so that whoever may not have the copy is refused
    // (and recorded) whether or not they confirmed it was them.
    let fresh = super::fresh_factor(&request.state, request.who(), Sensitive::ExportData)?;
    let by = request.who().user_id;
    let to = match whose {
        Whose::Own => CopyFor::ThePatient,
        Whose::Patient(_) => CopyFor::Release,
    };
    let practice =
        organizations::name_of(&mut *request.conn().await?, request.who().organization_id).await?;
    request
        .read(
            grant,
            AuditAction::RecordExported,
            move |conn, vault, access| {
                Box::pin(async move {
                    let mut copy =
                        export::copy(conn, vault, access, (&zone, practice), to, fresh).await?;
                    if let Some(disclosure) = disclosure {
                        let disclosure = disclosure.of_copy(copy.notes.iter().any(|n| n.sud));
                        let id = (Uuid::new_v4(), by);
                        copy.warnings =
                            disclosures::record(conn, vault, access, id, disclosure, &zone).await?;
                    }
                    Ok(copy)
                })
            },
        )
        .await
}
