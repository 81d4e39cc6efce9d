//! Amendments (HIPAA 164.526): the patient asks for a correction of an item
//! of their record and, after a denial, files a statement of disagreement
//! (`/me/amendments`); the care team reads the requests of a patient,
//! decides each one, or takes the one extension (`/patients/{id}/amendments`).
//!
//! The patient reaches their own designated record set (what a copy of it
//! holds, which is what they may ask about); the care team's therapists
//! reach it as for a copy, never under emergency access. A request naming
//! an item the patient cannot see, or a request of another patient, is
//! answered as not found, and recorded.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::amendment::{Amendment, MyAmendments},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A patient's requests, for the care team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientAmendments {
    pub patient_name: String,
    /// Newest first.
    pub requests: Vec<Amendment>,
}

/// The signed-in patient's request to their own record set (what a copy
/// of it holds, which is what they may ask about).
#[cfg(feature = "ssr")]
async fn own_record_set(
    endpoint: &'static str,
) -> Result<(Request, Option<crate::backend::records::access::Grant>), AppError> {
    super::patient::own_request(endpoint, crate::backend::records::access::Reach::RecordSet).await
}

/// The care team's request to `patient_id`'s requests: a therapist (anyone
/// else is refused by role, 403), on the patient's care team and not under
/// emergency access (else not found, 404); both recorded.
#[cfg(feature = "ssr")]
async fn care_team(
    endpoint: &'static str,
    patient_id: Uuid,
) -> Result<
    (
        Request,
        crate::backend::identity::authz::Therapist,
        crate::backend::records::access::Grant,
    ),
    AppError,
> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach};
    let (request, therapist) = Request::only(endpoint, Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    Ok((request, therapist, grant))
}

/// Spends `grant` on a change to request `amendment_id`: `work` in one
/// transaction recorded as an update of the request; a request not found
/// for this patient is recorded as a refusal.
#[cfg(feature = "ssr")]
async fn update(
    request: &Request,
    grant: crate::backend::records::access::Grant,
    amendment_id: Uuid,
    work: impl for<'c> FnOnce(
        &'c mut crate::backend::db::Connection,
        &'c crate::backend::vault::Vault,
        &'c crate::backend::records::access::PatientAccess,
    ) -> crate::backend::records::access::Work<'c, (), AppError>
    + Send,
) -> Result<(), AppError> {
    use crate::model::audit::AuditAction;
    let patient_id = grant.patient_id();
    let done = request
        .act(
            grant.on("amendment", amendment_id),
            AuditAction::RecordUpdated,
            work,
        )
        .await;
    request.not_found_recorded(patient_id, done).await
}

/// What the signed-in patient may ask to have amended, and what they
/// asked; `None` when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-amendments", input = GetUrl)]
pub async fn get_my_amendments() -> Result<Option<MyAmendments>, AppError> {
    use crate::backend::records::amendments;
    use crate::model::audit::AuditAction;
    let (request, grant) = own_record_set("my-amendments").await?;
    let Some(grant) = grant else {
        return Ok(None);
    };
    let zone = request.zone().await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    Ok(MyAmendments {
                        items: amendments::items::list(conn, vault, access).await?,
                        requests: amendments::list(conn, vault, access, &zone).await?,
                    })
                })
            },
        )
        .await
        .map(Some)
}

/// The signed-in patient asks for an amendment of `item` (a `kind:id` the
/// request form listed) in their words, `request`.
#[server(prefix = "/api", endpoint = "request-amendment")]
pub async fn request_amendment(
    csrf_token: String,
    #[server(default)] item: String,
    #[server(default)] request: String,
) -> Result<(), AppError> {
    use crate::backend::records::amendments;
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let checked = amendments::check_request(&item, &request);
    let (request, grant) = own_record_set("request-amendment").await?;
    let Some(grant) = grant else {
        return Err(AppError::NotFound);
    };
    let (named, words) = checked?;
    let patient_id = grant.patient_id();
    let Some(named) = named else {
        return Err(request.refuse(Some(patient_id), AppError::NotFound).await);
    };
    let today = request.zone().await?.today();
    let id = Uuid::new_v4();
    // A read that writes: naming the item opens the record (a diagnosis's
    // name), and a value that does not open is recorded as such.
    let asked = request
        .read(
            grant.on("amendment", id),
            AuditAction::RecordCreated,
            move |conn, vault, access| {
                Box::pin(async move {
                    amendments::request(conn, vault, access, id, named, words, today).await
                })
            },
        )
        .await;
    request.not_found_recorded(patient_id, asked).await
}

/// The signed-in patient's statement of disagreement with the denial of
/// their request `amendment_id`.
#[server(prefix = "/api", endpoint = "disagree-amendment")]
pub async fn disagree_amendment(
    csrf_token: String,
    amendment_id: Uuid,
    #[server(default)] statement: String,
) -> Result<(), AppError> {
    use crate::backend::records::amendments;
    super::checked_at_the_edge(csrf_token);
    let (request, grant) = own_record_set("disagree-amendment").await?;
    let Some(grant) = grant else {
        return Err(AppError::NotFound);
    };
    let words = amendments::check_text(
        "statement",
        &statement,
        "Say why you disagree with the decision.",
    )?;
    update(&request, grant, amendment_id, move |conn, vault, access| {
        Box::pin(
            async move { amendments::disagree(conn, vault, access, amendment_id, &words).await },
        )
    })
    .await
}

/// The requests about `patient_id`'s record, for the care team.
#[server(prefix = "/api", endpoint = "amendments", input = GetUrl)]
pub async fn get_amendments(patient_id: Uuid) -> Result<PatientAmendments, AppError> {
    use crate::backend::records::{amendments, patients};
    use crate::model::audit::AuditAction;
    let (request, _, grant) = care_team("amendments", patient_id).await?;
    let zone = request.zone().await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let name = patients::legal_name(conn, vault, access).await?;
                    Ok(PatientAmendments {
                        patient_name: name.expose().clone(),
                        requests: amendments::list(conn, vault, access, &zone).await?,
                    })
                })
            },
        )
        .await
}

/// Decides the request `amendment_id` about `patient_id`'s record:
/// `decision` is `accept` (with `text` the amendment made) or `deny` (with
/// `text` the reason). Someone else deciding first is a conflict (409):
/// nothing is written, and the form keeps what was typed.
#[server(prefix = "/api", endpoint = "decide-amendment")]
pub async fn decide_amendment(
    csrf_token: String,
    patient_id: Uuid,
    amendment_id: Uuid,
    #[server(default)] decision: String,
    #[server(default)] text: String,
) -> Result<(), AppError> {
    use crate::backend::records::amendments;
    super::checked_at_the_edge(csrf_token);
    let (request, therapist, grant) = care_team("decide-amendment", patient_id).await?;
    let (verdict, words) = amendments::check_decision(&decision, &text)?;
    update(&request, grant, amendment_id, move |conn, vault, access| {
        Box::pin(async move {
            let decision = (verdict, words.as_str());
            amendments::decide(
                conn,
                vault,
                access,
                amendment_id,
                therapist.user_id,
                decision,
            )
            .await
        })
    })
    .await
}

/// Takes the one 30-day extension on the request `amendment_id` about
/// `patient_id`'s record, for `reason` (which the patient reads).
#[server(prefix = "/api", endpoint = "extend-amendment")]
pub async fn extend_amendment(
    csrf_token: String,
    patient_id: Uuid,
    amendment_id: Uuid,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::backend::records::amendments;
    super::checked_at_the_edge(csrf_token);
    let (request, _, grant) = care_team("extend-amendment", patient_id).await?;
    let why = amendments::check_text(
        "reason",
        &reason,
        "Say why the practice needs 30 more days; the patient reads it.",
    )?;
    let today = request.zone().await?.today();
    update(&request, grant, amendment_id, move |conn, vault, access| {
        Box::pin(async move {
            amendments::extend(conn, vault, access, amendment_id, &why, today)
                .await
                .map(drop)
        })
    })
    .await
}
