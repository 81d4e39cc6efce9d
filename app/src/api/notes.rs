//! Clinical notes: opening one, saving a draft (the editor's autosave
//! too), signing, addenda, sharing a psychotherapy note. Through the
//! request context like every record function; a note is reached through
//! the chart it is in (a progress note) or on its own (a psychotherapy
//! note), and a draft is its author's alone.

// A form's fields are its server function's arguments (so the note form
// posts as plain HTML too); the note form has eleven. The server macro
// generates the browser's copy without attributes on the function, hence
// the module-wide allowance.
#![allow(clippy::too_many_arguments)]

use crate::{
    error::AppError,
    model::chart::{NoteView, SavedNote},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::context::Request;

/// One note, opened, with its addenda.
#[server(prefix = "/api", endpoint = "note", input = GetUrl)]
pub async fn get_note(note_id: Uuid) -> Result<NoteView, AppError> {
    use crate::{
        backend::{dates::day, identity::accounts, records::notes, records::patients},
        model::{audit::AuditAction, chart::Addendum},
    };
    let request = Request::anyone("note").await?;
    let zone = request.zone().await?;
    let mut conn = request.conn().await?;
    let (note, grant) = reach_note_on(&request, &mut conn, note_id).await?;
    let me = request.who().user_id;
    request
        .read_on(
            &mut conn,
            grant,
            AuditAction::RecordViewed,
            |conn, vault, access| {
                Box::pin(async move {
                    let details = patients::demographics(conn, vault, access).await?;
                    let body = notes::open_body(conn, vault, access, note.id).await?;
                    let addenda = notes::addenda(conn, vault, access, note.id).await?;
                    Ok(NoteView {
                        id: note.id,
                        patient_id: note.patient_id,
                        patient_name: details.named(),
                        kind: note.kind,
                        shared: note.shared_with_team,
                        sud: note.sud_counseling,
                        template: note.template,
                        session_date: day(note.session_date),
                        sections: body.expose().0.clone(),
                        status: note.status,
                        version: note.version,
                        author: accounts::display_name(conn, vault, note.author_id).await?,
                        mine: note.author_id == me,
                        signed_at: note.signed_at.map(|at| zone.minute(at)),
                        updated_at: zone.minute(note.updated_at),
                        addenda: addenda
                            .into_iter()
                            .map(|(author, at, text)| Addendum {
                                author,
                                written_at: zone.minute(at),
                                text: text.expose().clone(),
                            })
                            .collect(),
                    })
                })
            },
        )
        .await
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
    use crate::backend::{identity::authz::Therapist, records::access::Reach, records::notes};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("save-note", Therapist::check).await?;
    let me = request.who().user_id;
    let shared = ticked(&shared);
    let (existing, grant, kind) = match note_id.trim() {
        "" => {
            let kind = notes::check_kind(&kind)?;
            let reach = Reach::note(kind, request.who(), me, shared);
            (None, request.decide(patient_id, reach).await?, kind)
        }
        id => {
            let id = id.parse::<Uuid>().map_err(|_| AppError::BadRequest)?;
            let (note, grant) = reach_note(&request, id).await?;
            if note.patient_id != patient_id {
                return Err(AppError::BadRequest);
            }
            only_the_author(&request, &note).await?;
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
    let zone = request.zone().await?;
    let latest = zone.today();
    let draft =
        notes::check_draft(&template, &session_date, sections, latest)?.of_kind(kind, shared);
    let (id, action) = match &existing {
        None => (Uuid::new_v4(), AuditAction::RecordCreated),
        Some(note) => (note.id, AuditAction::RecordUpdated),
    };
    let saved = request
        .act(grant.on("note", id), action, |conn, vault, access| {
            Box::pin(async move {
                match &existing {
                    None => notes::create(conn, vault, access, id, me, &draft).await,
                    Some(note) => notes::save(conn, vault, access, note, version, &draft).await,
                }
            })
        })
        .await?;
    Ok(saved_note(&saved, &zone))
}

/// Signs the draft `note_id` at `version`; only its author may.
#[server(prefix = "/api", endpoint = "sign-note")]
pub async fn sign_note(
    csrf_token: String,
    note_id: Uuid,
    version: i32,
) -> Result<SavedNote, AppError> {
    use crate::backend::{identity::authz::Therapist, records::notes};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("sign-note", Therapist::check).await?;
    let (note, grant) = reach_note(&request, note_id).await?;
    only_the_author(&request, &note).await?;
    let signed = request
        .read(grant, AuditAction::RecordSigned, |conn, vault, access| {
            Box::pin(async move { notes::sign(conn, vault, access, &note, version).await })
        })
        .await?;
    Ok(saved_note(&signed, &request.zone().await?))
}

/// Adds a dated addendum to the signed note `note_id`; anyone on the care
/// team may.
#[server(prefix = "/api", endpoint = "add-addendum")]
pub async fn add_addendum(csrf_token: String, note_id: Uuid, text: String) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::notes};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("add-addendum", Therapist::check).await?;
    let (note, grant) = reach_note(&request, note_id).await?;
    notes::check_addendum(&text)?;
    let author = request.who().user_id;
    request
        .act(grant, AuditAction::RecordUpdated, |conn, vault, access| {
            Box::pin(async move {
                notes::add_addendum(conn, vault, access, &note, author, &text)
                    .await
                    .map(drop)
            })
        })
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
    use crate::backend::{identity::authz::Therapist, records::notes};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("share-note", Therapist::check).await?;
    let (note, grant) = reach_note(&request, note_id).await?;
    only_the_author(&request, &note).await?;
    let shared = ticked(&shared);
    request
        .act(grant, AuditAction::RecordUpdated, |conn, _, access| {
            Box::pin(async move { notes::share(conn, access, &note, shared).await })
        })
        .await
}

/// Marks the note `note_id` as one of substance-use disorder counseling
/// (42 CFR Part 2: `sud` "true" or "on"), or not; only its author may,
/// signed or not (it changes where the note may go, never what it says).
#[server(prefix = "/api", endpoint = "mark-sud-note")]
pub async fn mark_sud_note(
    csrf_token: String,
    note_id: Uuid,
    #[server(default)] sud: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::authz::Therapist, records::notes};
    use crate::model::audit::AuditAction;
    super::checked_at_the_edge(csrf_token);
    let (request, _) = Request::only("mark-sud-note", Therapist::check).await?;
    let (note, grant) = reach_note(&request, note_id).await?;
    only_the_author(&request, &note).await?;
    let sud = ticked(&sud);
    request
        .act(grant, AuditAction::RecordUpdated, |conn, _, access| {
            Box::pin(async move { notes::mark_sud(conn, access, &note, sud).await })
        })
        .await
}

/// The note `note_id` and a grant to it (the chart it is in, for a
/// progress note; the note itself, for a psychotherapy note), or the same
/// recorded "not found" as any chart the person may not reach.
#[cfg(feature = "ssr")]
async fn reach_note(
    request: &Request,
    note_id: Uuid,
) -> Result<
    (
        crate::backend::records::notes::NoteMeta,
        crate::backend::records::access::Grant,
    ),
    AppError,
> {
    reach_note_on(request, &mut *request.conn().await?, note_id).await
}

/// [`reach_note`] on a connection the function already holds.
#[cfg(feature = "ssr")]
async fn reach_note_on(
    request: &Request,
    conn: &mut crate::backend::db::Connection,
    note_id: Uuid,
) -> Result<
    (
        crate::backend::records::notes::NoteMeta,
        crate::backend::records::access::Grant,
    ),
    AppError,
> {
    use crate::backend::records::{access, notes};
    let organization_id = request.who().organization_id;
    let Some(note) = notes::meta(conn, organization_id, note_id).await? else {
        return Err(access::refuse(conn, &request.caller, None, AppError::NotFound).await);
    };
    let grant = request
        .decide_on(conn, note.patient_id, note.reach(request.who()))
        .await?;
    Ok((note.clone(), grant.on("note", note.id)))
}

/// Refuses (403, recorded) anyone but the author of `note`: a draft is its
/// author's until signed.
#[cfg(feature = "ssr")]
async fn only_the_author(
    request: &Request,
    note: &crate::backend::records::notes::NoteMeta,
) -> Result<(), AppError> {
    if note.author_id == request.who().user_id {
        return Ok(());
    }
    Err(request
        .refuse(Some(note.patient_id), AppError::Forbidden)
        .await)
}

/// Whether a yes/no field says yes: a ticked checkbox posts "on" (a plain
/// form), the editor and buttons "true"; anything else is no.
#[cfg(feature = "ssr")]
fn ticked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true")
}

#[cfg(feature = "ssr")]
fn saved_note(
    note: &crate::backend::records::notes::NoteMeta,
    zone: &crate::backend::dates::Zone,
) -> SavedNote {
    SavedNote {
        id: note.id,
        patient_id: note.patient_id,
        version: note.version,
        status: note.status,
        saved_at: zone.clock_seconds(note.updated_at),
    }
}
