//! Clinical notes: a draft is edited in place, each save naming the
//! version it started from (a save over someone else's newer save is
//! refused, never silently lost); signing locks it; corrections are dated
//! addenda that never touch the signed text. Bodies are sealed with the
//! patient's own key, bound to the note's row, and open only with a
//! [`PatientAccess`].
//!
//! Psychotherapy notes are a kind of their own (HIPAA keeps them apart):
//! sealed with the patient's psychotherapy key, reached only through
//! `Reach::PsychotherapyNote` (the author, or the care team when the
//! author shares it), listed only for those who may open them, and never
//! in the portal.

mod draft;

pub use draft::{Draft, NoteBody, check_addendum, check_draft, check_kind, check_signable};

use crate::backend::{
    dates::{Zone, day},
    db::schema::{clinical_notes, note_addenda, users},
    identity::account_identity::staff_name,
    identity::session::signed_in::SignedIn,
    records::access::{PatientAccess, Reach, ReadError},
    records::care_team,
    records::sealing,
    vault::{Phi, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::chart::{NoteKind, NoteStatus, NoteSummary, NoteTemplate},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What is known of a note without opening it: what the policy and lists
/// need.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = clinical_notes)]
pub struct NoteMeta {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub patient_id: Uuid,
    pub author_id: Uuid,
    pub kind: NoteKind,
    pub template: NoteTemplate,
    pub session_date: Date,
    pub status: NoteStatus,
    pub version: i32,
    pub signed_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
    pub shared_with_team: bool,
    pub sud_counseling: bool,
}

impl NoteMeta {
    /// What reaching this note is, for `who` (see `access::Reach::note`).
    pub fn reach(&self, who: &SignedIn) -> Reach {
        Reach::note(self.kind, who, self.author_id, self.shared_with_team)
    }
}

/// The note `id` of practice `organization_id`, unless deleted.
pub async fn meta(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<NoteMeta>, AppError> {
    Ok(clinical_notes::table
        .find(id)
        .filter(clinical_notes::organization_id.eq(organization_id))
        .filter(clinical_notes::deleted_at.is_null())
        .select(NoteMeta::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A new note `id` by `author_id`, of the draft's kind, as a draft at
/// version 1 (a psychotherapy note needs an access to it, so it is sealed
/// with the psychotherapy key). Call it within `access`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    author_id: Uuid,
    draft: &Draft,
) -> Result<NoteMeta, AppError> {
    let body = sealing::seal(conn, vault, access, columns::NOTE_BODY, id, &draft.body).await?;
    Ok(diesel::insert_into(clinical_notes::table)
        .values((
            clinical_notes::id.eq(id),
            clinical_notes::organization_id.eq(access.organization_id()),
            clinical_notes::patient_id.eq(access.patient_id()),
            clinical_notes::author_id.eq(author_id),
            clinical_notes::kind.eq(draft.kind),
            clinical_notes::shared_with_team.eq(draft.shared),
            clinical_notes::template.eq(draft.template),
            clinical_notes::session_date.eq(draft.session_date),
            clinical_notes::body_sealed.eq(body),
        ))
        .returning(NoteMeta::as_returning())
        .get_result(conn)
        .await?)
}

/// Saves `draft` over the draft `note`, if it is still at `version` (the
/// one the editor started from), and answers the new version. A note
/// signed, or saved by someone else since, is `EditConflict`: nothing is
/// overwritten. Call it in the transaction `access` was recorded in.
pub async fn save(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    note: &NoteMeta,
    version: i32,
    draft: &Draft,
) -> Result<NoteMeta, AppError> {
    let body = sealing::seal(
        conn,
        vault,
        access,
        columns::NOTE_BODY,
        note.id,
        &draft.body,
    )
    .await?;
    diesel::update(clinical_notes::table.find(note.id))
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .filter(clinical_notes::status.eq(NoteStatus::Draft))
        .filter(clinical_notes::version.eq(version))
        .set((
            clinical_notes::template.eq(draft.template),
            clinical_notes::session_date.eq(draft.session_date),
            clinical_notes::body_sealed.eq(body),
            clinical_notes::shared_with_team
                .eq(note.kind == NoteKind::Psychotherapy && draft.shared),
            clinical_notes::version.eq(version + 1),
        ))
        .returning(NoteMeta::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::EditConflict)
}

/// Signs the draft `note` at `version`: every section must be written.
/// Locks it (the database refuses later changes to a signed note).
pub async fn sign(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    note: &NoteMeta,
    version: i32,
) -> Result<NoteMeta, ReadError> {
    if note.status != NoteStatus::Draft || note.version != version {
        return Err(AppError::EditConflict.into());
    }
    let body = open_body(conn, vault, access, note.id).await?;
    check_signable(note.template, body.expose())?;
    Ok(diesel::update(clinical_notes::table.find(note.id))
        .filter(clinical_notes::status.eq(NoteStatus::Draft))
        .filter(clinical_notes::version.eq(version))
        .set((
            clinical_notes::status.eq(NoteStatus::Signed),
            clinical_notes::signed_at.eq(diesel::dsl::now),
            clinical_notes::version.eq(version + 1),
        ))
        .returning(NoteMeta::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_err(AppError::from)?
        .ok_or(AppError::EditConflict)?)
}

/// Adds a dated addendum by `author_id` to the signed `note`.
pub async fn add_addendum(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    note: &NoteMeta,
    author_id: Uuid,
    text: &str,
) -> Result<Uuid, AppError> {
    if note.status != NoteStatus::Signed {
        let mut errors = FieldErrors::new();
        errors.add(
            "text",
            "Addenda are for signed notes; edit the draft itself instead.",
        );
        return Err(AppError::Invalid(errors));
    }
    let id = Uuid::new_v4();
    let text = text.trim().to_owned();
    let body = sealing::seal(conn, vault, access, columns::ADDENDUM_BODY, id, &text).await?;
    diesel::insert_into(note_addenda::table)
        .values((
            note_addenda::id.eq(id),
            note_addenda::organization_id.eq(access.organization_id()),
            note_addenda::patient_id.eq(access.patient_id()),
            note_addenda::note_id.eq(note.id),
            note_addenda::author_id.eq(author_id),
            note_addenda::body_sealed.eq(body),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Shares the psychotherapy note `note` with the care team, or stops
/// sharing it (signed or not: sharing changes who reads it, never what it
/// says).
pub async fn share(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    note: &NoteMeta,
    shared: bool,
) -> Result<(), AppError> {
    if note.kind != NoteKind::Psychotherapy {
        // A progress note is the care team's already.
        return Err(AppError::BadRequest);
    }
    diesel::update(clinical_notes::table.find(note.id))
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .set(clinical_notes::shared_with_team.eq(shared))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks `note` as one of substance-use disorder counseling, or not
/// (signed or not: it changes where the note may go, never what it says).
pub async fn mark_sud(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    note: &NoteMeta,
    sud: bool,
) -> Result<(), AppError> {
    diesel::update(clinical_notes::table.find(note.id))
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .set(clinical_notes::sud_counseling.eq(sud))
        .execute(conn)
        .await?;
    Ok(())
}

/// The body of note `id`, opened.
pub async fn open_body(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
) -> Result<Phi<NoteBody>, ReadError> {
    let bytes: Vec<u8> = clinical_notes::table
        .find(id)
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .select(clinical_notes::body_sealed)
        .first(conn)
        .await
        .map_err(AppError::from)?;
    sealing::open(conn, vault, access, columns::NOTE_BODY, id, bytes).await
}

/// An addendum, opened: (author, when, text).
pub type OpenedAddendum = (String, OffsetDateTime, Phi<String>);

/// The addenda of note `id`, oldest first, opened.
pub async fn addenda(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
) -> Result<Vec<OpenedAddendum>, ReadError> {
    let stored: Vec<(Uuid, String, OffsetDateTime, Vec<u8>)> = note_addenda::table
        .inner_join(users::table.on(users::id.eq(note_addenda::author_id)))
        .filter(note_addenda::note_id.eq(id))
        .filter(note_addenda::patient_id.eq(access.patient_id()))
        .order((note_addenda::created_at, note_addenda::id))
        .select((
            note_addenda::id,
            staff_name(),
            note_addenda::created_at,
            note_addenda::body_sealed,
        ))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut opened = Vec::with_capacity(stored.len());
    for (id, author, at, bytes) in stored {
        let text = sealing::open(conn, vault, access, columns::ADDENDUM_BODY, id, bytes).await?;
        opened.push((author, at, text));
    }
    Ok(opened)
}

/// A signed progress note as the record set lists it: nothing opened.
pub struct SignedNote {
    pub id: Uuid,
    pub template: NoteTemplate,
    pub session_date: Date,
    pub signed_at: Option<OffsetDateTime>,
    pub author: String,
    /// A note of substance-use disorder counseling (42 CFR Part 2).
    pub sud_counseling: bool,
}

/// The signed progress notes of the patient `access` is for, oldest
/// session first: what a copy of the record holds, and what a patient may
/// ask to have amended. Drafts are not yet part of the record;
/// psychotherapy notes never are.
pub async fn signed_progress(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
) -> Result<Vec<SignedNote>, AppError> {
    let listed: Vec<(
        Uuid,
        NoteTemplate,
        Date,
        Option<OffsetDateTime>,
        String,
        bool,
    )> = clinical_notes::table
        .inner_join(users::table.on(users::id.eq(clinical_notes::author_id)))
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .filter(clinical_notes::organization_id.eq(access.organization_id()))
        .filter(clinical_notes::deleted_at.is_null())
        .filter(clinical_notes::kind.eq(NoteKind::Progress))
        .filter(clinical_notes::status.eq(NoteStatus::Signed))
        .order((clinical_notes::session_date, clinical_notes::created_at))
        .select((
            clinical_notes::id,
            clinical_notes::template,
            clinical_notes::session_date,
            clinical_notes::signed_at,
            staff_name(),
            clinical_notes::sud_counseling,
        ))
        .load(conn)
        .await?;
    Ok(listed
        .into_iter()
        .map(
            |(id, template, session_date, signed_at, author, sud_counseling)| SignedNote {
                id,
                template,
                session_date,
                signed_at,
                author,
                sud_counseling,
            },
        )
        .collect())
}

/// The chart's list of notes for the patient `access` is for, as the one
/// who opened it may see them ([`care_team::listed_for`] its `notes_of`: under
/// emergency access, progress notes alone), newest session first: nothing
/// opened.
pub async fn list(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Vec<NoteSummary>, AppError> {
    use diesel::dsl::count;
    let notes: Vec<(NoteMeta, String)> = clinical_notes::table
        .inner_join(users::table.on(users::id.eq(clinical_notes::author_id)))
        .filter(clinical_notes::patient_id.eq(access.patient_id()))
        .filter(clinical_notes::organization_id.eq(access.organization_id()))
        .filter(clinical_notes::deleted_at.is_null())
        .filter(care_team::listed_for(access.notes_of()))
        .order((
            clinical_notes::session_date.desc(),
            clinical_notes::created_at.desc(),
        ))
        .select((NoteMeta::as_select(), staff_name()))
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = notes.iter().map(|(n, _)| n.id).collect();
    let counts: Vec<(Uuid, i64)> = note_addenda::table
        .filter(note_addenda::note_id.eq_any(&ids))
        .group_by(note_addenda::note_id)
        .select((note_addenda::note_id, count(note_addenda::id)))
        .load(conn)
        .await?;
    Ok(notes
        .into_iter()
        .map(|(note, author)| NoteSummary {
            id: note.id,
            kind: note.kind,
            shared: note.shared_with_team,
            template: note.template,
            session_date: day(note.session_date),
            status: note.status,
            author,
            signed_at: note.signed_at.map(|at| zone.minute(at)),
            addenda: counts
                .iter()
                .find(|(id, _)| *id == note.id)
                .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX)),
        })
        .collect())
}
