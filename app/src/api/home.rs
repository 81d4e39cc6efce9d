//! Home pages: what needs a therapist today.

use crate::{error::AppError, model::home::TherapistHome};
use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use super::context::Request;

/// The signed-in therapist's questionnaires to review, amendment requests
/// to decide, drafts to sign,
/// plans due for review and recent charts, all within their caseload.
/// Only the patients named are opened, each recorded as listed (as the
/// caseload records them).
#[server(prefix = "/api", endpoint = "therapist-home", input = GetUrl)]
pub async fn get_therapist_home() -> Result<TherapistHome, AppError> {
    use crate::{
        backend::{
            dates::day,
            identity::authz::Therapist,
            records::{access, amendments, desk, measures, names},
        },
        model::home::{AmendmentsDue, DraftToSign, PLANS_DUE_WITHIN_DAYS, PatientLink, PlanDue},
    };
    use std::collections::HashMap;
    use uuid::Uuid;
    let (request, therapist) = Request::only("therapist-home", Therapist::check).await?;
    let today = request.zone().await?.today();
    let mut conn = request.conn().await?;
    let grants = access::caseload(&mut conn, &therapist, &request.caller).await?;
    let caseload: Vec<Uuid> = grants.iter().map(|(grant, _)| grant.patient_id()).collect();
    let due_by = today + time::Duration::days(PLANS_DUE_WITHIN_DAYS);
    let desk = desk::of(&mut conn, therapist.user_id, &caseload, due_by).await?;
    let waiting = measures::review::waiting(&mut conn, &caseload).await?;
    let asked = amendments::waiting(&mut conn, &caseload, today).await?;
    let mut named = desk.patients();
    named.extend(&waiting);
    named.extend(asked.iter().map(|(patient, _)| *patient));
    let grants: Vec<access::Grant> = grants
        .into_iter()
        .map(|(grant, _)| grant)
        .filter(|grant| named.contains(&grant.patient_id()))
        .collect();
    let names: HashMap<Uuid, Option<String>> =
        names::listed(&mut conn, &request.state.vault, &request.caller, grants)
            .await?
            .into_iter()
            .collect();
    let link = |patient_id: Uuid| PatientLink {
        patient_id,
        name: names.get(&patient_id).cloned().flatten(),
    };
    Ok(TherapistHome {
        drafts: desk
            .drafts
            .iter()
            .map(|draft| DraftToSign {
                note_id: draft.note_id,
                patient: link(draft.patient_id),
                session_date: day(draft.session_date),
            })
            .collect(),
        plans_due: desk
            .plans_due
            .iter()
            .map(|(patient_id, review)| PlanDue {
                patient: link(*patient_id),
                review_date: day(*review),
                overdue: *review < today,
            })
            .collect(),
        recent: desk.recent.iter().map(|id| link(*id)).collect(),
        to_review: waiting.iter().map(|id| link(*id)).collect(),
        amendments: asked
            .into_iter()
            .map(|(patient_id, waiting)| AmendmentsDue {
                patient: link(patient_id),
                waiting,
            })
            .collect(),
    })
}
