//! Disclosures of a patient's record (HIPAA 164.528): staff record one
//! from the chart's "Disclosures" page and produce the accounting for a
//! patient; the patient sees six years of them in the portal. A copy of
//! the record made for someone else records its own (`record::copy_for`).
//!
//! Staff only record and read them (a patient reaching their own record
//! set never records one), through the record set's reach: the care team
//! and the practice's administrators, never under emergency access.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::disclosure::{Accounting, Disclosure, DisclosureForm, DisclosureWarning},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Records a disclosure of `patient_id`'s record as typed (the form's
/// fields, by name), and answers what it was recorded despite (a release
/// expired or revoked, counseling records without a consent).
#[server(prefix = "/api", endpoint = "record-disclosure")]
pub async fn record_disclosure(
    csrf_token: String,
    patient_id: Uuid,
    #[server(flatten)]
    #[server(default)]
    form: DisclosureForm,
) -> Result<Vec<DisclosureWarning>, AppError> {
    use crate::backend::{identity::authz::Staff, records::access::Reach, records::disclosures};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, staff) = Request::only("record-disclosure", Staff::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let zone = request.zone().await?;
    let disclosure = disclosures::check(&form, zone.today())?;
    let id = Uuid::new_v4();
    request
        .act(
            grant.on("disclosure", id),
            AuditAction::RecordCreated,
            move |conn, vault, access| {
                Box::pin(async move {
                    let row = (id, staff.user_id);
                    disclosures::record(conn, vault, access, row, disclosure, &zone).await
                })
            },
        )
        .await
}

/// The accounting of disclosures of `patient_id`'s record: every one
/// recorded, newest first, with the six years the patient is owed marked.
#[server(prefix = "/api", endpoint = "disclosures", input = GetUrl)]
pub async fn get_accounting(patient_id: Uuid) -> Result<Accounting, AppError> {
    use crate::backend::{
        dates::day, identity::authz::Staff, organizations, records::access::Reach,
        records::consents, records::disclosures, records::patients,
    };
    use crate::model::audit::AuditAction;
    let (request, staff) = Request::only("disclosures", Staff::check).await?;
    let grant = request.decide(patient_id, Reach::RecordSet).await?;
    let zone = request.zone().await?;
    let today = zone.today();
    let practice =
        organizations::name_of(&mut *request.conn().await?, staff.organization_id).await?;
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let name = patients::legal_name(conn, vault, access).await?;
                    Ok(Accounting {
                        practice,
                        patient_name: name.expose().clone(),
                        today: day(today),
                        since: day(disclosures::accounting_since(today)),
                        disclosures: disclosures::list(conn, vault, access, None).await?,
                        releases: consents::list(conn, vault, access, &zone)
                            .await?
                            .into_iter()
                            .filter(|consent| consent.kind.names_recipient())
                            .collect(),
                    })
                })
            },
        )
        .await
}

/// The disclosures of the signed-in patient's record over the last six
/// years, newest first; `None` when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-disclosures", input = GetUrl)]
pub async fn get_my_disclosures() -> Result<Option<Vec<Disclosure>>, AppError> {
    use crate::backend::records::{access::Reach, disclosures};
    use crate::model::audit::AuditAction;
    let (request, grant) = super::patient::own_request("my-disclosures", Reach::OwnRecord).await?;
    let Some(grant) = grant else {
        return Ok(None);
    };
    let since = disclosures::accounting_since(request.zone().await?.today());
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move { disclosures::list(conn, vault, access, Some(since)).await })
            },
        )
        .await
        .map(Some)
}
