//! The patient portal's own record. Opening it is authorized by the one
//! access path (`backend::records::access`) and recorded in the same transaction as
//! the read; a record that does not open is an error, recorded as such.

use crate::{
    error::AppError,
    model::patient::{MyInformation, MyPlan},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use super::context::Request;

/// The signed-in person's own details; `None` when the practice has no
/// record for them.
#[server(prefix = "/api", endpoint = "my-information", input = GetUrl)]
pub async fn get_my_information() -> Result<Option<MyInformation>, AppError> {
    use crate::backend::records::{details, patients};
    read_own_record("my-information", |conn, vault, access| {
        Box::pin(async move {
            let opened = patients::demographics(conn, vault, access).await?;
            let details = details::read(conn, vault, access, &opened).await?;
            Ok(opened.information(details))
        })
    })
    .await
}

/// The therapists on the signed-in patient's care team, by name; `None`
/// when the practice has no record for them. Read through the same
/// recorded access as their details.
#[server(prefix = "/api", endpoint = "my-care-team", input = GetUrl)]
pub async fn get_my_care_team() -> Result<Option<Vec<String>>, AppError> {
    use crate::backend::records::care_team;
    read_own_record("my-care-team", |conn, _, access| {
        Box::pin(async move { Ok(care_team::names(conn, access.patient_id()).await?) })
    })
    .await
}

/// Changes the signed-in patient's own email and phone number (either may
/// be left blank). Only these: their name and date of birth are changed by
/// the practice.
#[server(prefix = "/api", endpoint = "my-contact")]
pub async fn update_my_contact(
    csrf_token: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
) -> Result<(), AppError> {
    use crate::{
        backend::{identity::authz::Patient, records::patients},
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (request, patient) = Request::only("my-contact", Patient::check).await?;
    let Some(grant) = own_record(&request, patient).await? else {
        return Err(AppError::NotFound);
    };
    let contact = patients::check_contact(&email, &phone)?;
    request
        .act(grant, AuditAction::RecordUpdated, |conn, vault, access| {
            Box::pin(async move { patients::update_contact(conn, vault, access, &contact).await })
        })
        .await
}

/// The goals of the signed-in patient's treatment plan and when it is next
/// reviewed; `None` when there is no record or no plan yet. Objectives and
/// interventions are the therapist's working detail and stay in the chart.
#[server(prefix = "/api", endpoint = "my-plan", input = GetUrl)]
pub async fn get_my_plan() -> Result<Option<MyPlan>, AppError> {
    use crate::{
        backend::{
            dates::day, identity::authz::Patient, records::plans::treatment as treatment_plan,
        },
        model::audit::AuditAction,
    };
    // As `read_own_record`, with the practice's zone at hand: the day the
    // plan changed is the practice's day.
    let (request, patient) = Request::only("my-plan", Patient::check).await?;
    let Some(grant) = own_record(&request, patient).await? else {
        return Ok(None);
    };
    let zone = request.zone().await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let plan = treatment_plan::current(conn, vault, access).await?;
                    Ok(plan.map(|plan| MyPlan {
                        goals: plan.body.expose().goals.clone(),
                        review_date: day(plan.review_date),
                        updated_on: day(zone.date_of(plan.updated_at)),
                    }))
                })
            },
        )
        .await
}

/// Reads the signed-in person's own record with `read`, through the one
/// access path: the policy, then one transaction that records the view
/// and reads; a value that does not open is recorded and answered as
/// unreadable. Patients only (staff are refused, recorded); `None` when the
/// practice has not added the patient's record yet.
#[cfg(feature = "ssr")]
async fn read_own_record<T>(
    endpoint: &'static str,
    read: impl for<'c> FnOnce(
        &'c mut crate::backend::db::Connection,
        &'c crate::backend::vault::Vault,
        &'c crate::backend::records::access::PatientAccess,
    ) -> crate::backend::records::access::Work<
        'c,
        T,
        crate::backend::records::access::ReadError,
    > + Send,
) -> Result<Option<T>, AppError>
where
    T: Send,
{
    use crate::{backend::records::access::Reach, model::audit::AuditAction};
    let (request, grant) = own_request(endpoint, Reach::OwnRecord).await?;
    let Some(grant) = grant else {
        return Ok(None);
    };
    request
        .read(grant, AuditAction::RecordViewed, read)
        .await
        .map(Some)
}

/// A signed-in patient's request to `reach` their own record: the request
/// and the grant, through the policy (`None` when the practice keeps no
/// record for them). Anyone else is refused by role (403, recorded).
#[cfg(feature = "ssr")]
pub(super) async fn own_request(
    endpoint: &'static str,
    reach: crate::backend::records::access::Reach,
) -> Result<(Request, Option<crate::backend::records::access::Grant>), AppError> {
    use crate::backend::identity::authz::Patient;
    let (request, patient) = Request::only(endpoint, Patient::check).await?;
    let grant = own(&request, patient, reach).await?;
    Ok((request, grant))
}

/// The grant to the signed-in patient's own record, through the policy;
/// `None` when the practice keeps no record for them.
#[cfg(feature = "ssr")]
pub(super) async fn own_record(
    request: &Request,
    patient: crate::backend::identity::authz::Patient,
) -> Result<Option<crate::backend::records::access::Grant>, AppError> {
    own(
        request,
        patient,
        crate::backend::records::access::Reach::OwnRecord,
    )
    .await
}

/// The grant to `reach` the signed-in patient's own record, through the
/// policy; `None` when the practice keeps no record for them.
#[cfg(feature = "ssr")]
pub(super) async fn own(
    request: &Request,
    patient: crate::backend::identity::authz::Patient,
    reach: crate::backend::records::access::Reach,
) -> Result<Option<crate::backend::records::access::Grant>, AppError> {
    use crate::backend::records::patients;
    let (user_id, organization_id) = (patient.user_id, patient.organization_id);
    let found = patients::of_user(&mut *request.conn().await?, user_id, organization_id).await?;
    let Some(patient_id) = found else {
        return Ok(None);
    };
    request.decide(patient_id, reach).await.map(Some)
}
