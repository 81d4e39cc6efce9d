//! Questionnaires (PHQ-9, GAD-7): the care team assigns and stops them
//! and acknowledges a positive safety item, from the chart; the patient
//! answers them in the portal. Each reads like the rest of the record:
//! who is asking -> may they reach this patient -> one transaction that
//! records the act and reads or writes through the vault.

// A questionnaire's form sends one field per question, and a server
// function takes a form's fields as its arguments (in both builds: the
// browser's gets the same signature).
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use super::context::Request;
use crate::{
    error::AppError,
    model::measures::{Answered, MyMeasures, Questionnaire},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// Assigns a questionnaire to `patient_id`: `instrument` (`phq9`,
/// `gad7`), `schedule` (`once`, `weekly`, `fortnightly`, `monthly`), first
/// due on `first_due` (today when blank). Anyone who reaches the chart.
#[server(prefix = "/api", endpoint = "assign-measure")]
pub async fn assign_measure(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] instrument: String,
    #[server(default)] schedule: String,
    #[server(default)] first_due: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::measures};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("assign-measure", Therapist::check).await?;
    let grant = request.decide(patient_id, Reach::Chart).await?;
    let today = request.zone().await?.today();
    let new = measures::check_new(&instrument, &schedule, &first_due, today)?;
    let (id, by) = (Uuid::new_v4(), request.who().user_id);
    let grant = grant.on("questionnaire", id);
    request
        .act(grant, AuditAction::RecordCreated, |conn, _, access| {
            Box::pin(async move { measures::assign(conn, access, id, by, &new).await })
        })
        .await
}

/// Stops assignment `assignment_id`: nothing more comes due; what was
/// answered stays on the chart.
#[server(prefix = "/api", endpoint = "stop-measure")]
pub async fn stop_measure(csrf_token: String, assignment_id: Uuid) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::measures};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, therapist) = Request::only("stop-measure", Therapist::check).await?;
    let found = measures::find(
        &mut *request.conn().await?,
        therapist.organization_id,
        assignment_id,
    )
    .await?;
    let grant = request
        .decide_found(found.as_ref().map(|a| a.patient_id), Reach::Chart)
        .await?;
    let (grant, by) = (
        grant.on("questionnaire", assignment_id),
        request.who().user_id,
    );
    request
        .act(grant, AuditAction::RecordUpdated, |conn, _, access| {
            Box::pin(async move { measures::stop(conn, access, assignment_id, by).await })
        })
        .await
}

/// Acknowledges response `response_id`, whose safety item was positive:
/// the flag leaves the caseload and the home. `note` (optional) is sealed.
#[server(prefix = "/api", endpoint = "acknowledge-measure")]
pub async fn acknowledge_measure(
    csrf_token: String,
    response_id: Uuid,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Therapist, records::access::Reach, records::measures::review,
    };
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, therapist) = Request::only("acknowledge-measure", Therapist::check).await?;
    let found = review::patient_of(
        &mut *request.conn().await?,
        therapist.organization_id,
        response_id,
    )
    .await?;
    let grant = request.decide_found(found, Reach::Chart).await?;
    let note = review::check_note(&note)?;
    let (grant, by) = (
        grant.on("questionnaire-response", response_id),
        request.who().user_id,
    );
    request
        .act(grant, AuditAction::RecordUpdated, |conn, vault, access| {
            Box::pin(async move {
                review::acknowledge(conn, vault, access, response_id, by, note.as_ref()).await
            })
        })
        .await
}

/// The signed-in patient's questionnaires: what is due, their scores over
/// time (when the practice shows them), and the practice's crisis
/// resources. `None` when the practice keeps no record for them.
#[server(prefix = "/api", endpoint = "my-measures", input = GetUrl)]
pub async fn get_my_measures() -> Result<Option<MyMeasures>, AppError> {
    use crate::{
        backend::{
            dates::day,
            identity::authz::Patient,
            practice_settings,
            records::measures::{self, review},
        },
        model::{audit::AuditAction, measures::Due},
    };
    let (request, patient) = Request::only("my-measures", Patient::check).await?;
    let Some(grant) = super::patient::own_record(&request, patient).await? else {
        return Ok(None);
    };
    let zone = request.zone().await?;
    let settings =
        practice_settings::questionnaires(&mut *request.conn().await?, patient.organization_id)
            .await?;
    let shows = settings.patients_see_scores;
    let today = zone.today();
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let due = measures::due(conn, access, today)
                        .await?
                        .into_iter()
                        .filter_map(|(assignment, on, started)| {
                            Some(Due {
                                assignment_id: assignment.id,
                                instrument: assignment.instrument()?,
                                due_on: day(on),
                                started,
                            })
                        })
                        .collect();
                    let trends = if shows {
                        review::trends(conn, vault, access, &zone).await?
                    } else {
                        Vec::new()
                    };
                    Ok(Some(MyMeasures {
                        due,
                        trends,
                        shows_scores: shows,
                        crisis_resources: settings.crisis_resources,
                    }))
                })
            },
        )
        .await
}

/// The questionnaire of assignment `assignment_id` as the signed-in
/// patient's form shows it, with any answers kept from an earlier visit;
/// once sent, what they were told then (so a reload, or a form sent before
/// the page's script arrived, still shows the crisis resources). Not
/// theirs, stopped or not yet due: not found.
#[server(prefix = "/api", endpoint = "my-questionnaire", input = GetUrl)]
pub async fn get_my_questionnaire(assignment_id: Uuid) -> Result<Questionnaire, AppError> {
    use crate::{
        backend::{
            dates::day, identity::authz::Patient, practice_settings, records::measures::answers,
        },
        model::audit::AuditAction,
    };
    let (request, patient) = Request::only("my-questionnaire", Patient::check).await?;
    let (grant, assignment, due_on) = due_assignment(&request, patient, assignment_id).await?;
    let instrument = assignment.instrument().ok_or(AppError::NotFound)?;
    let settings =
        practice_settings::questionnaires(&mut *request.conn().await?, patient.organization_id)
            .await?;
    let grant = grant.on("questionnaire", assignment.id);
    request
        .read(
            grant,
            AuditAction::RecordViewed,
            move |conn, vault, access| {
                Box::pin(async move {
                    let kept = answers::current(conn, vault, access, assignment.id, due_on).await?;
                    let (body, submitted) = kept.unwrap_or_default();
                    let sent = body
                        .score
                        .filter(|_| submitted)
                        .map(|score| Answered::Submitted {
                            crisis: score.safety.then_some(settings.crisis_resources),
                            score: settings.patients_see_scores.then_some(score.total),
                        });
                    let mut items = body.items.clone();
                    items.resize(instrument.items().len(), None);
                    Ok(Questionnaire {
                        assignment_id: assignment.id,
                        instrument,
                        due_on: day(due_on),
                        items,
                        functional: body.functional,
                        sent,
                    })
                })
            },
        )
        .await
}

/// Keeps the signed-in patient's answers to assignment `assignment_id`
/// (`item1` … `item9`, and `functional`): a draft to finish later, or,
/// when `finish` is `yes`, submitted and scored. A positive safety item
/// answers the practice's crisis resources at once, and flags the patient
/// for the care team.
#[server(prefix = "/api", endpoint = "answer-questionnaire")]
pub async fn answer_questionnaire(
    csrf_token: String,
    assignment_id: Uuid,
    #[server(default)] item1: String,
    #[server(default)] item2: String,
    #[server(default)] item3: String,
    #[server(default)] item4: String,
    #[server(default)] item5: String,
    #[server(default)] item6: String,
    #[server(default)] item7: String,
    #[server(default)] item8: String,
    #[server(default)] item9: String,
    #[server(default)] functional: String,
    #[server(default)] finish: String,
) -> Result<Answered, AppError> {
    use crate::{
        backend::{identity::authz::Patient, practice_settings, records::measures::answers},
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (request, patient) = Request::only("answer-questionnaire", Patient::check).await?;
    let (grant, assignment, due_on) = due_assignment(&request, patient, assignment_id).await?;
    let instrument = assignment.instrument().ok_or(AppError::NotFound)?;
    let finish = finish == "yes";
    let typed = [
        &item1, &item2, &item3, &item4, &item5, &item6, &item7, &item8, &item9,
    ]
    .map(String::as_str);
    let body = answers::check(instrument, &typed, &functional, finish)?;
    let score = body.score;
    let action = if finish {
        AuditAction::RecordCreated
    } else {
        AuditAction::RecordUpdated
    };
    let grant = grant.on("questionnaire", assignment.id);
    request
        .act(grant, action, move |conn, vault, access| {
            Box::pin(
                async move { answers::save(conn, vault, access, &assignment, due_on, &body).await },
            )
        })
        .await?;
    let Some(score) = score else {
        return Ok(Answered::Kept);
    };
    let settings =
        practice_settings::questionnaires(&mut *request.conn().await?, patient.organization_id)
            .await?;
    if score.safety {
        tracing::warn!(user.id = %patient.user_id, "a questionnaire's safety item was positive");
    }
    Ok(Answered::Submitted {
        crisis: score.safety.then_some(settings.crisis_resources),
        score: settings.patients_see_scores.then_some(score.total),
    })
}

/// The signed-in patient's own record and assignment `assignment_id`, with
/// the day it is due on: an assignment of someone else's, stopped or not
/// yet due is not found (and the refusal recorded).
#[cfg(feature = "ssr")]
async fn due_assignment(
    request: &Request,
    patient: crate::backend::identity::authz::Patient,
    assignment_id: Uuid,
) -> Result<
    (
        crate::backend::records::access::Grant,
        crate::backend::records::measures::Stored,
        time::Date,
    ),
    AppError,
> {
    use crate::backend::records::measures;
    let Some(grant) = super::patient::own_record(request, patient).await? else {
        return Err(request.refuse(None, AppError::NotFound).await);
    };
    let found = measures::find(
        &mut *request.conn().await?,
        patient.organization_id,
        assignment_id,
    )
    .await?;
    let today = request.zone().await?.today();
    match found {
        Some(assignment) if assignment.patient_id == grant.patient_id() => {
            match assignment.due_on(today) {
                Some(day) => Ok((grant, assignment, day)),
                None => Err(request
                    .refuse(Some(grant.patient_id()), AppError::NotFound)
                    .await),
            }
        }
        _ => Err(request
            .refuse(Some(grant.patient_id()), AppError::NotFound)
            .await),
    }
}
