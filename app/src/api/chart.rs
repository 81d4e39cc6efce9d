//! Therapists' side of the record: the caseload, a chart, its diagnoses
//! and plan, new patients, emergency access (notes are in `notes`). Each
//! function reads the same way, through the request context: who is
//! asking (a therapist, else 403) -> may they reach this patient (the
//! policy in `backend::records::access`, else 404) -> one transaction that records
//! the access and then reads or writes through the vault -> a model. Every
//! refusal is recorded.

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::chart::{Caseload, Chart},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// The signed-in therapist's caseload, narrowed by `search` and ordered by
/// `sort` (`name`, `last-seen` or `dob`). Within the caseload (decrypted to
/// be listed anyway, and recorded as listed) a name is found by its parts;
/// a date of birth, email or phone number exactly. Beyond it, only an exact
/// match through the blind indexes finds anyone (for emergency access).
#[server(prefix = "/api", endpoint = "caseload", input = GetUrl)]
pub async fn get_caseload(
    #[server(default)] search: String,
    #[server(default)] sort: String,
) -> Result<Caseload, AppError> {
    use crate::{
        backend::{identity::authz::Therapist, records::access, records::patients},
        model::{
            audit::AuditAction,
            chart::{CaseloadRow, CaseloadSort},
        },
    };
    let (request, therapist) = Request::only("caseload", Therapist::check).await?;
    let (state, caller) = (&request.state, &request.caller);
    let mut conn = request.conn().await?;
    let mut grants = access::caseload(&mut conn, &therapist, caller).await?;
    let total = u32::try_from(grants.len()).unwrap_or(u32::MAX);
    let typed = search;
    let search = patients::SearchBy::from_text(&typed);
    let mut elsewhere = Vec::new();
    if let Some(by) = search {
        let found =
            patients::candidates(&mut conn, &state.vault, therapist.organization_id, by).await?;
        let mine = |id: &Uuid| grants.iter().any(|(grant, _)| grant.patient_id() == *id);
        let others: Vec<Uuid> = found.iter().copied().filter(|id| !mine(id)).collect();
        // Part of a name is looked for in every chart of the caseload,
        // below; anything else only in the index's candidates.
        if !matches!(by, patients::SearchBy::Name(_)) {
            grants.retain(|(grant, _)| found.contains(&grant.patient_id()));
        }
        if !others.is_empty() {
            elsewhere = searched_elsewhere(&request, &mut conn, &others).await?;
        }
    }
    let (grants, members): (Vec<_>, Vec<_>) = grants.into_iter().unzip();
    let listed: Vec<Uuid> = grants.iter().map(|grant| grant.patient_id()).collect();
    let waiting = crate::backend::records::measures::review::waiting(&mut conn, &listed).await?;
    let action = AuditAction::RecordListed;
    // Owned copies: the listing runs inside `within_each` and keeps
    // nothing of its caller's.
    let (asking, typed) = (caller.clone(), typed.clone());
    let listing = access::within_each(
        &mut conn,
        &state.vault,
        grants,
        action,
        |conn, vault, accesses| {
            Box::pin(async move {
                let search = patients::SearchBy::from_text(&typed);
                let mut rows = Vec::with_capacity(accesses.len());
                for (access, member) in accesses.iter().zip(members) {
                    let patient_id = access.patient_id();
                    let last_seen = member.last_seen.map(crate::backend::dates::day);
                    let open_drafts = u32::try_from(member.open_drafts).unwrap_or(0);
                    let to_review = waiting.contains(&patient_id);
                    let read = patients::demographics(conn, vault, access).await;
                    let Some(details) = access::listed(conn, &asking, access, action, read).await?
                    else {
                        rows.push(CaseloadRow {
                            patient_id,
                            legal_name: None,
                            date_of_birth: String::new(),
                            last_seen,
                            open_drafts,
                            to_review,
                            goes_by: None,
                        });
                        continue;
                    };
                    if search.is_some_and(|by| !by.finds_in_caseload(&details)) {
                        continue;
                    }
                    rows.push(CaseloadRow {
                        patient_id,
                        legal_name: Some(details.legal_name.expose().clone()),
                        date_of_birth: crate::backend::dates::day(*details.date_of_birth.expose()),
                        last_seen,
                        open_drafts,
                        to_review,
                        goes_by: details.goes_by(),
                    });
                }
                Ok::<_, AppError>(rows)
            })
        },
    );
    let mut rows = listing.await?;
    let sort = sort.parse().unwrap_or(CaseloadSort::Name);
    rows.sort_by(|a, b| match sort {
        CaseloadSort::Name => a.legal_name.cmp(&b.legal_name),
        // Most recently seen first; never seen last.
        CaseloadSort::LastSeen => b.last_seen.cmp(&a.last_seen),
        CaseloadSort::DateOfBirth => a.date_of_birth.cmp(&b.date_of_birth),
    });
    Ok(Caseload {
        rows,
        total,
        elsewhere,
    })
}

/// A caseload search matched `others`, patients outside the searcher's
/// caseload: that each is a patient here has been disclosed, so each is
/// recorded (`record.searched`, naming the patient), and the browser gets
/// an opaque handle per patient instead of an id (emergency access takes
/// the handle).
#[cfg(feature = "ssr")]
async fn searched_elsewhere(
    request: &Request,
    conn: &mut crate::backend::db::Connection,
    others: &[Uuid],
) -> Result<Vec<String>, AppError> {
    use crate::{
        backend::{audit, records::emergency},
        model::audit::AuditAction,
    };
    let events: Vec<_> = others
        .iter()
        .map(|patient| {
            request
                .caller
                .event(AuditAction::RecordSearched)
                .about_patient(*patient)
        })
        .collect();
    audit::record_all(conn, &events).await?;
    let session = super::session().await?;
    emergency::remember_matches(&session, others).await
}

/// A patient's chart: details, care team and the list of notes.
#[server(prefix = "/api", endpoint = "chart", input = GetUrl)]
pub async fn get_chart(patient_id: Uuid) -> Result<Chart, AppError> {
    use crate::{
        backend::{
            dates::day, records::access::Reach, records::amendments, records::care_team,
            records::consents, records::details, records::diagnoses, records::insurance,
            records::measures, records::notes, records::patients, records::plans::safety,
            records::plans::treatment as treatment_plan,
        },
        model::{audit::AuditAction, consent::ConsentState},
    };
    let request = Request::anyone("chart").await?;
    // Before the connection the chart is read on: a request holds one
    // connection at a time.
    let zone = request.zone().await?;
    let mut conn = request.conn().await?;
    let grant = request
        .decide_on(&mut conn, patient_id, Reach::Chart)
        .await?;
    let emergency_until = grant.emergency().map(|e| zone.minute(e.expires_at));
    request
        .read_on(
            &mut conn,
            grant,
            AuditAction::RecordViewed,
            |conn, vault, access| {
                Box::pin(async move {
                    let known = patients::demographics(conn, vault, access).await?;
                    Ok(Chart {
                        emergency_until,
                        patient_id,
                        legal_name: known.legal_name.expose().clone(),
                        date_of_birth: day(*known.date_of_birth.expose()),
                        email: known.email.as_ref().map(|e| e.expose().clone()),
                        phone: known.phone.as_ref().map(|p| p.expose().clone()),
                        care_team: care_team::names(conn, patient_id).await?,
                        notes: notes::list(conn, access, &zone).await?,
                        diagnoses: diagnoses::list(conn, vault, access).await?,
                        plan: treatment_plan::current(conn, vault, access)
                            .await?
                            .as_ref()
                            .map(|plan| treatment_plan::view(plan, &zone)),
                        safety_plan: safety::current(conn, vault, access, &zone).await?,
                        details: details::read(conn, vault, access, &known).await?,
                        insurance: insurance::list(conn, vault, access).await?,
                        measures: measures::on_chart(conn, vault, access, &zone).await?,
                        amendments: amendments::waiting(conn, &[patient_id], zone.today())
                            .await?
                            .pop()
                            .map(|(_, waiting)| waiting),
                        consents: consents::list(conn, vault, access, &zone)
                            .await?
                            .into_iter()
                            .filter(|c| c.state == ConsentState::InForce)
                            .collect(),
                    })
                })
            },
        )
        .await
}

/// The name of the patient a page is about, for its heading (the new-note
/// page: a note written in the wrong chart is worse than none). Reached
/// like the chart and recorded as a view of it: the name is the record.
#[server(prefix = "/api", endpoint = "patient-name", input = GetUrl)]
pub async fn get_patient_name(patient_id: Uuid) -> Result<String, AppError> {
    use crate::{
        backend::records::{access::Reach, patients},
        model::audit::AuditAction,
    };
    let request = Request::anyone("patient-name").await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    request
        .read(grant, AuditAction::RecordViewed, |conn, vault, access| {
            Box::pin(async move { Ok(patients::demographics(conn, vault, access).await?.named()) })
        })
        .await
}

/// Adds a patient the therapist is seeing to the practice, with the
/// therapist on their care team; answers the new record's id. Recorded as
/// `record.created` and `care_team.added`, in the same transaction as the
/// record itself.
#[server(prefix = "/api", endpoint = "add-patient")]
pub async fn add_patient(
    csrf_token: String,
    #[server(default)] legal_name: String,
    #[server(default)] date_of_birth: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
) -> Result<Uuid, AppError> {
    use crate::backend::{identity::authz::Therapist, records::admission, records::patients};
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("add-patient", Therapist::check).await?;
    let today = request.zone().await?.today();
    let new = patients::check_new(&legal_name, &date_of_birth, &email, &phone, today)?;
    let mut conn = request.conn().await?;
    admission::admit(&mut conn, &request.state.vault, &request.caller, &new).await
}

/// Records a diagnosis on the chart of `patient_id`: an ICD-10 code, its
/// description and the onset date. Anyone who reaches the chart may.
#[server(prefix = "/api", endpoint = "add-diagnosis")]
pub async fn add_diagnosis(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] code: String,
    #[server(default)] description: String,
    #[server(default)] onset_date: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::diagnoses};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("add-diagnosis", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let today = request.zone().await?.today();
    let new = diagnoses::check_new(&code, &description, &onset_date, today)?;
    let (id, author) = (Uuid::new_v4(), request.who().user_id);
    let grant = grant.on("diagnosis", id);
    request
        .act(grant, AuditAction::RecordCreated, |conn, vault, access| {
            Box::pin(async move { diagnoses::add(conn, vault, access, id, author, &new).await })
        })
        .await
}

/// Marks the diagnosis `diagnosis_id` resolved on `resolved_date`.
#[server(prefix = "/api", endpoint = "resolve-diagnosis")]
pub async fn resolve_diagnosis(
    csrf_token: String,
    diagnosis_id: Uuid,
    #[server(default)] resolved_date: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::diagnoses};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, therapist) = Request::only("resolve-diagnosis", Therapist::check).await?;
    let organization_id = therapist.organization_id;
    let found = diagnoses::meta(&mut *request.conn().await?, organization_id, diagnosis_id).await?;
    let Some(diagnosis) = found else {
        return Err(request.refuse(None, AppError::NotFound).await);
    };
    let grant = request.decide(diagnosis.patient_id, Reach::Chart).await?;
    let today = request.zone().await?.today();
    let on = diagnoses::check_resolution(&diagnosis, &resolved_date, today)?;
    let grant = grant.on("diagnosis", diagnosis.id);
    request
        .act(grant, AuditAction::RecordUpdated, |conn, _, access| {
            Box::pin(async move { diagnoses::resolve(conn, access, &diagnosis, on).await })
        })
        .await
}

/// Saves the treatment plan of `patient_id` (each list one item per line):
/// the first plan when `version` is 0, else over the plan at `version`
/// (a newer save in between is refused with `EditConflict`). Answers the
/// new version.
#[server(prefix = "/api", endpoint = "save-plan")]
#[allow(clippy::too_many_arguments)] // a form's fields are its arguments
pub async fn save_treatment_plan(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] version: i32,
    #[server(default)] goals: String,
    #[server(default)] objectives: String,
    #[server(default)] interventions: String,
    #[server(default)] review_date: String,
) -> Result<i32, AppError> {
    use crate::backend::{
        identity::authz::Therapist, records::access::Reach,
        records::plans::treatment as treatment_plan,
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("save-plan", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let today = request.zone().await?.today();
    let draft = treatment_plan::check(&goals, &objectives, &interventions, &review_date, today)?;
    let action = if version == 0 {
        AuditAction::RecordCreated
    } else {
        AuditAction::RecordUpdated
    };
    let author = request.who().user_id;
    // One plan per patient: the trail names it by its patient, so the
    // event exists before a first plan has an id.
    let grant = grant.on("treatment_plan", patient_id);
    request
        .act(grant, action, |conn, vault, access| {
            Box::pin(async move {
                treatment_plan::save(conn, vault, access, author, version, &draft).await
            })
        })
        .await
}

/// Opens the chart of a patient not on the therapist's care team (the one
/// a caseload search found, `search_match` being its handle, or
/// `patient_id`) for the configured time: the reason is required (and recorded with every
/// view), and a second factor entered in the last few minutes
/// (`StepUpRequired` otherwise; the page then asks for a code and tries
/// again). Raises an alert on the access review.
#[server(prefix = "/api", endpoint = "emergency-access")]
pub async fn start_emergency_access(
    csrf_token: String,
    #[server(default)] patient_id: Option<Uuid>,
    #[server(default)] search_match: String,
    reason: String,
) -> Result<crate::model::chart::EmergencyGranted, AppError> {
    use crate::backend::{
        identity::authz::{Sensitive, Therapist},
        records::access,
        records::emergency,
        records::patients,
    };
    super::checked_at_the_edge(csrf_token);
    let (request, therapist) = Request::only("emergency-access", Therapist::check).await?;
    let (state, who) = (&request.state, request.who());
    let mut conn = request.conn().await?;
    // The patient a caseload search found (by its handle), or one named by
    // id; an unknown handle is a patient not found.
    let patient_id = match (patient_id, search_match.trim()) {
        (Some(id), "") => id,
        (_, "") => Uuid::nil(),
        (_, handle) => {
            let session = super::session().await?;
            emergency::matched(&session, handle)
                .await?
                .unwrap_or(Uuid::nil())
        }
    };
    if !patients::in_practice(&mut conn, therapist.organization_id, patient_id).await? {
        return Err(access::refuse(&mut conn, &request.caller, None, AppError::NotFound).await);
    }
    let reason = emergency::check_reason(&reason)?;
    let step_up = super::fresh_factor(state, who, Sensitive::EmergencyAccess)?;
    let lasts = state.emergency_access;
    let granted = emergency::start(
        &mut conn,
        &state.vault,
        therapist,
        step_up,
        emergency::Opening {
            patient_id,
            reason: &reason,
            lasts,
        },
        &request.caller.client,
    )
    .await?;
    tracing::warn!(user.id = %who.user_id, patient.id = %patient_id, "emergency access started");
    Ok(crate::model::chart::EmergencyGranted {
        patient_id,
        until: state
            .zones
            .of(&mut conn, therapist.organization_id)
            .await?
            .minute(granted.expires_at),
    })
}
