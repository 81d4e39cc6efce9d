//! Administrators' side of retention: the records whose retention has
//! ended, legal holds, and erasure. Names and dates of birth open through
//! the policy and the trail with an access that reaches them and the
//! holds' reasons alone (`Reach::Retention`); erasing also asks a fresh
//! second factor and the patient's full name typed.

use crate::{
    error::AppError,
    model::retention::{ErasureAnswer, RetentionReview},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::context::Request;

/// The records whose retention has ended, those under a legal hold, and
/// those erased.
#[server(prefix = "/api", endpoint = "retention", input = GetUrl)]
pub async fn get_retention() -> Result<RetentionReview, AppError> {
    use crate::backend::{
        identity::authz::Admin,
        practice_settings,
        records::{access, retention::review},
    };
    let (request, admin) = Request::only("retention", Admin::check).await?;
    let zone = request.zone().await?;
    let today = zone.today();
    let mut conn = request.conn().await?;
    let retention = practice_settings::retention(&mut conn, admin.organization_id).await?;
    let found = review::to_look_at(&mut conn, admin.organization_id, today).await?;
    let ids: Vec<Uuid> = found.iter().map(|a| a.patient_id).collect();
    let grants = access::retention(&mut conn, &admin, &request.caller, &ids).await?;
    let (due, held) = review::rows(
        &mut conn,
        &request.state.vault,
        Some(&request.caller),
        grants,
        &found,
        retention,
        (&zone, today),
    )
    .await?;
    let erased = review::erased(&mut conn, admin.organization_id, &zone).await?;
    let requests = erasure_requests(&request, &admin, &mut conn, (&zone, today)).await?;
    Ok(RetentionReview {
        years: retention.years,
        age_of_majority: retention.age_of_majority,
        due,
        held,
        erased,
        requests,
    })
}

/// The patients of `admin`'s practice who asked for their record to be
/// erased, each named through the retention reach (recorded as listed).
#[cfg(feature = "ssr")]
async fn erasure_requests(
    request: &Request,
    admin: &crate::backend::identity::authz::Admin,
    conn: &mut crate::backend::db::Connection,
    (zone, today): (&crate::backend::dates::Zone, time::Date),
) -> Result<Vec<crate::model::retention::ErasureRequestRow>, AppError> {
    use crate::backend::records::{access, names, retention::requests};
    use crate::model::retention::ErasureRequestRow;
    let asked = requests::of_practice(conn, admin.organization_id).await?;
    let ids: Vec<Uuid> = asked.iter().map(|a| a.patient_id).collect();
    let grants = access::retention(conn, admin, &request.caller, &ids).await?;
    let named = names::listed(conn, &request.state.vault, &request.caller, grants).await?;
    Ok(asked
        .iter()
        .map(|asked| ErasureRequestRow {
            patient_id: asked.patient_id,
            legal_name: named
                .iter()
                .find(|(id, _)| *id == asked.patient_id)
                .and_then(|(_, name)| name.clone()),
            answer: asked.answer(zone, today),
        })
        .collect())
}

/// The signed-in patient's requests to have their record erased, newest
/// first; `None` when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-erasure", input = GetUrl)]
pub async fn get_my_erasure() -> Result<Option<Vec<ErasureAnswer>>, AppError> {
    use crate::backend::records::{access::Reach, retention::requests};
    use crate::model::audit::AuditAction;
    let (request, grant) = super::patient::own_request("my-erasure", Reach::OwnRecord).await?;
    let Some(grant) = grant else {
        return Ok(None);
    };
    let zone = request.zone().await?;
    let today = zone.today();
    request
        .read(grant, AuditAction::RecordViewed, move |conn, _, access| {
            Box::pin(async move {
                Ok(requests::of_patient(conn, access, (&zone, today))
                    .await
                    .map_err(AppError::from)?)
            })
        })
        .await
        .map(Some)
}

/// The signed-in patient asks for their record to be erased: recorded,
/// and answered with the day it becomes possible (`record.erasure_requested`).
#[server(prefix = "/api", endpoint = "ask-erasure")]
pub async fn ask_erasure(csrf_token: String) -> Result<ErasureAnswer, AppError> {
    use crate::backend::{
        practice_settings,
        records::{access::Reach, retention::requests},
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, grant) = super::patient::own_request("ask-erasure", Reach::OwnRecord).await?;
    let grant = grant.ok_or(AppError::NotFound)?;
    let zone = request.zone().await?;
    let today = zone.today();
    let retention =
        practice_settings::retention(&mut *request.conn().await?, request.who().organization_id)
            .await?;
    request
        .read(
            grant,
            AuditAction::ErasureRequested,
            move |conn, vault, access| {
                Box::pin(async move {
                    requests::ask(conn, vault, access, retention, (&zone, today)).await
                })
            },
        )
        .await
}

/// How many records of the practice have passed the retention period
/// since their last activity and are under no hold, for the
/// administrators' home. Counted from plain dates, nothing opened (a
/// minor's may still be kept longer: the retention page says).
#[server(prefix = "/api", endpoint = "retention-due", input = GetUrl)]
pub async fn get_retention_due() -> Result<usize, AppError> {
    use crate::backend::{identity::authz::Admin, records::retention::review};
    let (request, admin) = Request::only("retention-due", Admin::check).await?;
    let today = request.zone().await?.today();
    let mut conn = request.conn().await?;
    Ok(review::due_count(&mut conn, admin.organization_id, today).await?)
}

/// Places a legal hold on patient `patient_id`'s record (or, with `lift`,
/// lifts the one in force), with the reason; recorded as
/// `record.hold_placed` or `record.hold_lifted`.
#[server(prefix = "/api", endpoint = "legal-hold")]
pub async fn change_legal_hold(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] reason: String,
    #[server(default)] lift: bool,
) -> Result<(), AppError> {
    use crate::{
        backend::{
            identity::authz::Admin,
            records::{access::Reach, retention::holds},
        },
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = Request::only("legal-hold", Admin::check).await?;
    let grant = request.decide(patient_id, Reach::Retention).await?;
    let reason = holds::check_reason("reason", &reason)?;
    let by = admin.user_id;
    let action = if lift {
        AuditAction::LegalHoldLifted
    } else {
        AuditAction::LegalHoldPlaced
    };
    request
        .act(grant, action, move |conn, vault, access| {
            Box::pin(async move {
                if lift {
                    holds::lift(conn, vault, access, by, &reason).await
                } else {
                    holds::place(conn, vault, access, by, &reason).await
                }
            })
        })
        .await?;
    Ok(())
}

/// Erases patient `patient_id`'s record, whose retention has ended and
/// which no hold keeps: `confirm_name` must be the patient's full legal
/// name, and a second factor must have been entered lately
/// (`StepUpRequired` otherwise). Recorded as `record.erased`.
#[server(prefix = "/api", endpoint = "erase-record")]
pub async fn erase_record(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] confirm_name: String,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::{Admin, Sensitive},
        practice_settings,
        records::{
            access::Reach,
            retention::erase::{self, By},
        },
    };
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = Request::only("erase-record", Admin::check).await?;
    super::fresh_factor(&request.state, request.who(), Sensitive::EraseRecord)?;
    super::throttle_person(&request.state, &request.caller.client, admin.user_id)?;
    let grant = request.decide(patient_id, Reach::Retention).await?;
    let today = request.zone().await?.today();
    let mut conn = request.conn().await?;
    let retention = practice_settings::retention(&mut conn, admin.organization_id).await?;
    let by = By::Admin {
        user_id: admin.user_id,
        typed_name: confirm_name,
    };
    erase::erase(&mut conn, &request.state.vault, grant, by, retention, today).await?;
    tracing::warn!(user.id = %admin.user_id, patient.id = %patient_id, "record erased");
    Ok(())
}
