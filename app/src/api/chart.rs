//! Therapists' side of the record: the caseload, a chart, its notes. Each
//! function reads the same way: who is asking (a therapist, else 403) ->
//! may they reach this patient (the policy in `backend::access`, else 404)
//! -> one transaction that records the access and then reads or writes
//! through the vault -> a model. Every refusal is recorded.

// A form's fields are its server function's arguments (so the note form
// posts as plain HTML too); the note form has eleven. The server macro
// generates the browser's copy without attributes on the function, hence
// the module-wide allowance.
#![allow(clippy::too_many_arguments)]

use crate::{
    error::AppError,
    model::chart::{Caseload, Chart, NoteView, SavedNote},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

/// The signed-in therapist's caseload, narrowed by `search` (a full name,
/// date of birth, email or phone number, matched exactly through the blind
/// indexes) and ordered by `sort` (`name`, `last-seen` or `dob`).
#[server(prefix = "/api", endpoint = "caseload", input = GetUrl)]
pub async fn get_caseload(
    #[server(default)] search: String,
    #[server(default)] sort: String,
) -> Result<Caseload, AppError> {
    use crate::{
        backend::{access, patients},
        model::{
            audit::AuditAction,
            chart::{CaseloadRow, CaseloadSort},
        },
    };
    const ENDPOINT: &str = "caseload";
    let (Asking { who, state, client }, therapist) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let mut grants = access::caseload(&mut conn, &therapist, &who, ENDPOINT).await?;
    let total = u32::try_from(grants.len()).unwrap_or(u32::MAX);
    let typed = search;
    let search = patients::SearchBy::from_text(&typed);
    let mut elsewhere = Vec::new();
    if let Some(by) = search {
        let found =
            patients::candidates(&mut conn, &state.vault, therapist.organization_id, by).await?;
        let mine = |id: &Uuid| grants.iter().any(|(grant, _)| grant.patient_id() == *id);
        let others: Vec<Uuid> = found.iter().copied().filter(|id| !mine(id)).collect();
        grants.retain(|(grant, _)| found.contains(&grant.patient_id()));
        if !others.is_empty() {
            elsewhere = searched_elsewhere(&mut conn, &who, &others, &client).await?;
        }
    }
    let (grants, members): (Vec<_>, Vec<_>) = grants.into_iter().unzip();
    let action = AuditAction::RecordListed;
    // Owned copies: the listing runs inside `within_each` and keeps
    // nothing of its caller's.
    let (asking, from, typed) = (who.clone(), client.clone(), typed.clone());
    let listing = access::within_each(
        &mut conn,
        &state.vault,
        grants,
        action,
        &client,
        |conn, vault, accesses| {
            Box::pin(async move {
                let search = patients::SearchBy::from_text(&typed);
                let mut rows = Vec::with_capacity(accesses.len());
                for (access, member) in accesses.iter().zip(members) {
                    let patient_id = access.patient_id();
                    let last_seen = member.last_seen.map(crate::backend::dates::day);
                    let open_drafts = u32::try_from(member.open_drafts).unwrap_or(0);
                    let read = patients::demographics(conn, vault, access).await;
                    let read = access::listed(conn, &asking, access, ENDPOINT, action, &from, read);
                    let Some(details) = read.await? else {
                        rows.push(CaseloadRow {
                            patient_id,
                            legal_name: None,
                            date_of_birth: String::new(),
                            last_seen,
                            open_drafts,
                        });
                        continue;
                    };
                    if search.is_some_and(|by| !by.matches(&details)) {
                        continue;
                    }
                    rows.push(CaseloadRow {
                        patient_id,
                        legal_name: Some(details.legal_name.expose().clone()),
                        date_of_birth: crate::backend::dates::day(*details.date_of_birth.expose()),
                        last_seen,
                        open_drafts,
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
    conn: &mut diesel_async::AsyncPgConnection,
    who: &crate::backend::session::SignedIn,
    others: &[Uuid],
    client: &crate::backend::client::ClientInfo,
) -> Result<Vec<String>, AppError> {
    use crate::{
        backend::{audit, emergency},
        model::audit::AuditAction,
    };
    let events: Vec<_> = others
        .iter()
        .map(|patient| {
            super::event(who, AuditAction::RecordSearched, client)
                .on("endpoint", "caseload")
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
            access::{self, Reach},
            care_team, diagnoses, notes, patients, treatment_plan,
        },
        model::audit::AuditAction,
    };
    const ENDPOINT: &str = "chart";
    let Asking { who, state, client } = asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let grant =
        access::decide(&mut conn, &who, patient_id, Reach::Chart, ENDPOINT, &client).await?;
    let emergency_until = grant
        .emergency()
        .map(|e| crate::backend::dates::minute(e.expires_at));
    let action = AuditAction::RecordViewed;
    let read = access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                let details = patients::demographics(conn, vault, access).await?;
                Ok(Chart {
                    emergency_until,
                    patient_id,
                    legal_name: details.legal_name.expose().clone(),
                    date_of_birth: crate::backend::dates::day(*details.date_of_birth.expose()),
                    email: details.email.as_ref().map(|e| e.expose().clone()),
                    phone: details.phone.as_ref().map(|p| p.expose().clone()),
                    care_team: care_team::names(conn, patient_id).await?,
                    notes: notes::list(conn, access).await?,
                    diagnoses: diagnoses::list(conn, vault, access).await?,
                    plan: treatment_plan::current(conn, vault, access)
                        .await?
                        .as_ref()
                        .map(treatment_plan::view),
                })
            })
        },
    )
    .await;
    access::settle(&mut conn, &who, patient_id, ENDPOINT, action, &client, read).await
}

/// One note, opened, with its addenda.
#[server(prefix = "/api", endpoint = "note", input = GetUrl)]
pub async fn get_note(note_id: Uuid) -> Result<NoteView, AppError> {
    use crate::{
        backend::{access, notes, patients},
        model::{audit::AuditAction, chart::Addendum},
    };
    const ENDPOINT: &str = "note";
    let Asking { who, state, client } = asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let (note, grant) = reach_note(&mut conn, &who, note_id, ENDPOINT, &client).await?;
    let (patient_id, me) = (note.patient_id, who.user_id);
    let action = AuditAction::RecordViewed;
    let read = access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                let details = patients::demographics(conn, vault, access).await?;
                let body = notes::open_body(conn, vault, access, note.id).await?;
                let addenda = notes::addenda(conn, vault, access, note.id).await?;
                Ok(NoteView {
                    id: note.id,
                    patient_id: note.patient_id,
                    patient_name: details.legal_name.expose().clone(),
                    kind: note.kind,
                    shared: note.shared_with_team,
                    template: note.template,
                    session_date: crate::backend::dates::day(note.session_date),
                    sections: body.expose().0.clone(),
                    status: note.status,
                    version: note.version,
                    author: author_name(conn, note.author_id).await?,
                    mine: note.author_id == me,
                    signed_at: note.signed_at.map(crate::backend::dates::minute),
                    updated_at: crate::backend::dates::minute(note.updated_at),
                    addenda: addenda
                        .into_iter()
                        .map(|(author, at, text)| Addendum {
                            author,
                            written_at: crate::backend::dates::minute(at),
                            text: text.expose().clone(),
                        })
                        .collect(),
                })
            })
        },
    )
    .await;
    access::settle(&mut conn, &who, patient_id, ENDPOINT, action, &client, read).await
}

/// Saves a draft note: a new one when `note_id` is empty (a progress
/// note, or a psychotherapy note when `kind` says so), else the draft
/// `note_id` at `version` (the one the editor opened; a newer save or a
/// signature in between is refused with `EditConflict`). Only the author
/// edits a draft; `shared` (a psychotherapy note only) shares it with the
/// care team. The editor calls this for autosave, too.
#[server(prefix = "/api", endpoint = "save-note")]
pub async fn save_note(
    csrf_token: String,
    patient_id: Uuid,
    #[server(default)] note_id: String,
    #[server(default)] version: i32,
    #[server(default)] kind: String,
    #[server(default)] shared: String,
    #[server(default)] template: String,
    #[server(default)] session_date: String,
    #[server(default)] subjective: String,
    #[server(default)] objective: String,
    #[server(default)] data: String,
    #[server(default)] assessment: String,
    #[server(default)] plan: String,
) -> Result<SavedNote, AppError> {
    use crate::backend::{
        access::{self, Reach},
        notes,
    };
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "save-note";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let shared = ticked(&shared);
    let (existing, grant, kind) = match note_id.trim() {
        "" => {
            let kind = notes::check_kind(&kind)?;
            let reach = Reach::note(kind, &who, who.user_id, shared);
            let grant = access::decide(&mut conn, &who, patient_id, reach, ENDPOINT, &client);
            (None, grant.await?, kind)
        }
        id => {
            let id = id.parse::<Uuid>().map_err(|_| AppError::BadRequest)?;
            let (note, grant) = reach_note(&mut conn, &who, id, ENDPOINT, &client).await?;
            if note.patient_id != patient_id {
                return Err(AppError::BadRequest);
            }
            only_the_author(&mut conn, &who, &note, ENDPOINT, &client).await?;
            let kind = note.kind;
            (Some(note), grant, kind)
        }
    };
    let sections = |field: &str| {
        match field {
            "subjective" => &subjective,
            "objective" => &objective,
            "data" => &data,
            "assessment" => &assessment,
            _ => &plan,
        }
        .clone()
    };
    let draft = notes::check_draft(&template, &session_date, sections, latest_session_day())?
        .of_kind(kind, shared);
    let (id, action) = match &existing {
        None => (Uuid::new_v4(), AuditAction::RecordCreated),
        Some(note) => (note.id, AuditAction::RecordUpdated),
    };
    let (grant, author) = (grant.on("note", id), who.user_id);
    let saved = access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                match &existing {
                    None => notes::create(conn, vault, access, id, author, &draft).await,
                    Some(note) => notes::save(conn, vault, access, note, version, &draft).await,
                }
            })
        },
    )
    .await?;
    Ok(saved_note(&saved))
}

/// Signs the draft `note_id` at `version`; only its author may.
#[server(prefix = "/api", endpoint = "sign-note")]
pub async fn sign_note(
    csrf_token: String,
    note_id: Uuid,
    version: i32,
) -> Result<SavedNote, AppError> {
    use crate::backend::{access, notes};
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "sign-note";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let (note, grant) = reach_note(&mut conn, &who, note_id, ENDPOINT, &client).await?;
    only_the_author(&mut conn, &who, &note, ENDPOINT, &client).await?;
    let (patient_id, action) = (note.patient_id, AuditAction::RecordSigned);
    let signed = access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move { notes::sign(conn, vault, access, &note, version).await })
        },
    )
    .await;
    let signed = access::settle(
        &mut conn, &who, patient_id, ENDPOINT, action, &client, signed,
    )
    .await?;
    Ok(saved_note(&signed))
}

/// Adds a dated addendum to the signed note `note_id`; anyone on the care
/// team may.
#[server(prefix = "/api", endpoint = "add-addendum")]
pub async fn add_addendum(csrf_token: String, note_id: Uuid, text: String) -> Result<(), AppError> {
    use crate::backend::{access, notes};
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "add-addendum";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let (note, grant) = reach_note(&mut conn, &who, note_id, ENDPOINT, &client).await?;
    notes::check_addendum(&text)?;
    let (action, author) = (AuditAction::RecordUpdated, who.user_id);
    access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                notes::add_addendum(conn, vault, access, &note, author, &text)
                    .await
                    .map(drop)
            })
        },
    )
    .await
}

/// Shares the psychotherapy note `note_id` with the care team (`shared`
/// "true" or "on"), or stops sharing it; only its author may.
#[server(prefix = "/api", endpoint = "share-note")]
pub async fn share_note(
    csrf_token: String,
    note_id: Uuid,
    #[server(default)] shared: String,
) -> Result<(), AppError> {
    use crate::backend::{access, notes};
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "share-note";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let (note, grant) = reach_note(&mut conn, &who, note_id, ENDPOINT, &client).await?;
    only_the_author(&mut conn, &who, &note, ENDPOINT, &client).await?;
    let shared = ticked(&shared);
    let action = AuditAction::RecordUpdated;
    access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, _, access| Box::pin(async move { notes::share(conn, access, &note, shared).await }),
    )
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
    use crate::{
        backend::{
            audit::{self, Actor, Event, Origin},
            care_team, patients,
        },
        model::audit::{AuditAction, AuditOutcome},
    };
    use diesel_async::AsyncConnection;
    const ENDPOINT: &str = "add-patient";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, therapist) = therapist_asking(ENDPOINT).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let new = patients::check_new(&legal_name, &date_of_birth, &email, &phone, today)?;
    let mut conn = state.db.conn().await?;
    let organization_id = therapist.organization_id;
    let event = |action| {
        Event::new(
            action,
            AuditOutcome::Allowed,
            Actor::of(&who),
            Origin::from(&client),
        )
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        let id = patients::create(conn, &state.vault, organization_id, &new).await?;
        let created = event(AuditAction::RecordCreated)
            .about_patient(id)
            .on("endpoint", ENDPOINT);
        audit::record(conn, created).await?;
        let joined = event(AuditAction::CareTeamAdded)
            .about_patient(id)
            .about_user(who.user_id)
            .because("added the patient");
        care_team::add(conn, organization_id, id, who.user_id, who.user_id, joined).await?;
        Ok(id)
    })
    .await
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
    use crate::backend::{
        access::{self, Reach},
        authz::Therapist,
        diagnoses,
    };
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "add-diagnosis";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _, grant) =
        reaching(ENDPOINT, Therapist::check, patient_id, Reach::Chart).await?;
    let mut conn = state.db.conn().await?;
    let new = diagnoses::check_new(&code, &description, &onset_date, latest_session_day())?;
    let (id, author) = (Uuid::new_v4(), who.user_id);
    let (grant, action) = (grant.on("diagnosis", id), AuditAction::RecordCreated);
    access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move { diagnoses::add(conn, vault, access, id, author, &new).await })
        },
    )
    .await
}

/// Marks the diagnosis `diagnosis_id` resolved on `resolved_date`.
#[server(prefix = "/api", endpoint = "resolve-diagnosis")]
pub async fn resolve_diagnosis(
    csrf_token: String,
    diagnosis_id: Uuid,
    #[server(default)] resolved_date: String,
) -> Result<(), AppError> {
    use crate::backend::{
        access::{self, Reach},
        diagnoses,
    };
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "resolve-diagnosis";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
    let Some(diagnosis) = diagnoses::meta(&mut conn, who.organization_id, diagnosis_id).await?
    else {
        return Err(
            access::refuse(&mut conn, &who, None, ENDPOINT, &client, AppError::NotFound).await,
        );
    };
    let patient_id = diagnosis.patient_id;
    let grant =
        access::decide(&mut conn, &who, patient_id, Reach::Chart, ENDPOINT, &client).await?;
    let on = diagnoses::check_resolution(&diagnosis, &resolved_date, latest_session_day())?;
    let (grant, action) = (
        grant.on("diagnosis", diagnosis.id),
        AuditAction::RecordUpdated,
    );
    access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, _, access| {
            Box::pin(async move { diagnoses::resolve(conn, access, &diagnosis, on).await })
        },
    )
    .await
}

/// Saves the treatment plan of `patient_id` (each list one item per line):
/// the first plan when `version` is 0, else over the plan at `version`
/// (a newer save in between is refused with `EditConflict`). Answers the
/// new version.
#[server(prefix = "/api", endpoint = "save-plan")]
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
        access::{self, Reach},
        authz::Therapist,
        treatment_plan,
    };
    use crate::model::audit::AuditAction;
    const ENDPOINT: &str = "save-plan";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, _, grant) =
        reaching(ENDPOINT, Therapist::check, patient_id, Reach::Chart).await?;
    let mut conn = state.db.conn().await?;
    let today = time::OffsetDateTime::now_utc().date();
    let draft = treatment_plan::check(&goals, &objectives, &interventions, &review_date, today)?;
    let action = if version == 0 {
        AuditAction::RecordCreated
    } else {
        AuditAction::RecordUpdated
    };
    let author = who.user_id;
    access::within(
        &mut conn,
        &state.vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                treatment_plan::save(conn, vault, access, author, version, &draft).await
            })
        },
    )
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
    use crate::backend::{access, authz::Sensitive, db::schema::patients, emergency};
    use diesel::{OptionalExtension, prelude::*};
    use diesel_async::RunQueryDsl;
    const ENDPOINT: &str = "emergency-access";
    super::checked_at_the_edge(csrf_token);
    let (Asking { who, state, client }, therapist) = therapist_asking(ENDPOINT).await?;
    let mut conn = state.db.conn().await?;
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
    let in_practice: Option<Uuid> = patients::table
        .find(patient_id)
        .filter(patients::organization_id.eq(therapist.organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::id)
        .first(&mut conn)
        .await
        .optional()?;
    if in_practice.is_none() {
        return Err(
            access::refuse(&mut conn, &who, None, ENDPOINT, &client, AppError::NotFound).await,
        );
    }
    let reason = emergency::check_reason(&reason)?;
    let step_up = super::fresh_factor(&state, &who, Sensitive::EmergencyAccess)?;
    let lasts = state.emergency_access;
    let granted = emergency::start(
        &mut conn,
        &state.vault,
        therapist,
        step_up,
        patient_id,
        &reason,
        lasts,
        &client,
    )
    .await?;
    tracing::warn!(user.id = %who.user_id, patient.id = %patient_id, "emergency access started");
    Ok(crate::model::chart::EmergencyGranted {
        patient_id,
        until: crate::backend::dates::minute(granted.expires_at),
    })
}

/// Whether a yes/no field says yes: a ticked checkbox posts "on" (a plain
/// form), the editor and buttons "true"; anything else is no.
#[cfg(feature = "ssr")]
fn ticked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true")
}

/// Who is asking, from where, and what the server has at hand.
#[cfg(feature = "ssr")]
pub(super) struct Asking {
    pub(super) who: crate::backend::session::SignedIn,
    pub(super) state: crate::backend::AppState,
    pub(super) client: crate::backend::client::ClientInfo,
}

/// Anyone signed in: the patient-level policy decides what they reach.
/// Someone not signed in is refused (401), and since they asked for a
/// record, the refusal is recorded too.
#[cfg(feature = "ssr")]
pub(super) async fn asking(endpoint: &'static str) -> Result<Asking, AppError> {
    let who = match super::signed_in().await {
        Ok((_, who)) => who,
        Err(AppError::Unauthenticated) => {
            return Err(super::anonymous_refused(endpoint).await);
        }
        Err(error) => return Err(error),
    };
    Ok(Asking {
        who,
        state: super::state()?,
        client: super::client().await,
    })
}

/// Therapists only: anyone else is refused (403, recorded) before any
/// patient is looked at.
#[cfg(feature = "ssr")]
async fn therapist_asking(
    endpoint: &'static str,
) -> Result<(Asking, crate::backend::authz::Therapist), AppError> {
    asking_as(endpoint, crate::backend::authz::Therapist::check).await
}

/// Only those `check` lets through (a role): anyone else is refused (403,
/// recorded), someone not signed in too (401, recorded).
#[cfg(feature = "ssr")]
pub(super) async fn asking_as<P>(
    endpoint: &'static str,
    check: fn(&crate::backend::session::SignedIn) -> Result<P, AppError>,
) -> Result<(Asking, P), AppError> {
    let asking = asking(endpoint).await?;
    let proof = super::authorize(&asking.who, endpoint, check).await?;
    Ok((asking, proof))
}

/// Someone `check` lets through (403 otherwise, recorded), reaching the
/// record of `patient_id` as `reach` (404 otherwise, recorded): the
/// preamble of every function that acts on one patient's record.
#[cfg(feature = "ssr")]
pub(super) async fn reaching<P>(
    endpoint: &'static str,
    check: fn(&crate::backend::session::SignedIn) -> Result<P, AppError>,
    patient_id: Uuid,
    reach: crate::backend::access::Reach,
) -> Result<(Asking, P, crate::backend::access::Grant), AppError> {
    let (asking, proof) = asking_as(endpoint, check).await?;
    let mut conn = asking.state.db.conn().await?;
    let (who, client) = (&asking.who, &asking.client);
    let grant =
        crate::backend::access::decide(&mut conn, who, patient_id, reach, endpoint, client).await?;
    drop(conn);
    Ok((asking, proof, grant))
}

/// The note `note_id` and a grant to it (the chart it is in, for a
/// progress note; the note itself, for a psychotherapy note), or the same
/// recorded "not found" as any chart the person may not reach.
#[cfg(feature = "ssr")]
async fn reach_note(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &crate::backend::session::SignedIn,
    note_id: Uuid,
    endpoint: &'static str,
    client: &crate::backend::client::ClientInfo,
) -> Result<
    (
        crate::backend::notes::NoteMeta,
        crate::backend::access::Grant,
    ),
    AppError,
> {
    use crate::backend::{access, notes};
    let Some(note) = notes::meta(conn, who.organization_id, note_id).await? else {
        return Err(access::refuse(conn, who, None, endpoint, client, AppError::NotFound).await);
    };
    let reach = note.reach(who);
    let grant = access::decide(conn, who, note.patient_id, reach, endpoint, client).await?;
    Ok((note.clone(), grant.on("note", note.id)))
}

/// Refuses (403, recorded) anyone but the author of `note`: a draft is its
/// author's until signed.
#[cfg(feature = "ssr")]
async fn only_the_author(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &crate::backend::session::SignedIn,
    note: &crate::backend::notes::NoteMeta,
    endpoint: &'static str,
    client: &crate::backend::client::ClientInfo,
) -> Result<(), AppError> {
    if note.author_id == who.user_id {
        return Ok(());
    }
    let patient = Some(note.patient_id);
    Err(
        crate::backend::access::refuse(conn, who, patient, endpoint, client, AppError::Forbidden)
            .await,
    )
}

#[cfg(feature = "ssr")]
async fn author_name(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
) -> Result<String, AppError> {
    use crate::backend::db::schema::users;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    Ok(users::table
        .find(id)
        .select(users::display_name)
        .first(conn)
        .await?)
}

/// The latest session date a note may carry: tomorrow in UTC, so a
/// practice ahead of UTC can date today's session.
#[cfg(feature = "ssr")]
fn latest_session_day() -> time::Date {
    let today = time::OffsetDateTime::now_utc().date();
    today.next_day().unwrap_or(today)
}

#[cfg(feature = "ssr")]
fn saved_note(note: &crate::backend::notes::NoteMeta) -> SavedNote {
    let mut at = crate::backend::dates::utc(note.updated_at);
    SavedNote {
        id: note.id,
        patient_id: note.patient_id,
        version: note.version,
        status: note.status,
        saved_at: at.split_off(11) + " UTC",
    }
}
