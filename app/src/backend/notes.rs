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

use super::{
    access::{PatientAccess, Reach, ReadError},
    care_team,
    dates::{day, minute, parse_day},
    db::schema::{clinical_notes, note_addenda, users},
    sealing,
    session::SignedIn,
    vault::{Phi, PhiValue, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::chart::{ADDENDUM_MAX, NoteKind, NoteStatus, NoteSummary, NoteTemplate, SECTION_MAX},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

/// A note's sections, (field, text) in the template's order: sealed as one
/// value.
#[derive(Default)]
pub struct NoteBody(pub Vec<(String, String)>);

impl PhiValue for NoteBody {
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(&self.0).unwrap_or_default())
    }
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok().map(NoteBody)
    }
    fn wipe(&mut self) {
        for (_, text) in &mut self.0 {
            text.zeroize();
        }
    }
}

/// A draft as typed, checked: what a save stores.
pub struct Draft {
    pub template: NoteTemplate,
    pub session_date: Date,
    pub body: NoteBody,
    /// Set when the note is created; a save keeps the note's own kind.
    pub kind: NoteKind,
    /// Whether a psychotherapy note's author shares it with the care team
    /// (never for a progress note: it is the chart's already).
    pub shared: bool,
}

impl Draft {
    /// The draft as a note of `kind`, shared with the care team when it
    /// is a psychotherapy note and `shared`.
    pub fn of_kind(mut self, kind: NoteKind, shared: bool) -> Self {
        self.kind = kind;
        self.shared = kind == NoteKind::Psychotherapy && shared;
        self
    }
}

/// The kind of a new note, as chosen in the editor (a progress note when
/// nothing was chosen).
pub fn check_kind(typed: &str) -> Result<NoteKind, AppError> {
    match typed.trim() {
        "" => Ok(NoteKind::Progress),
        typed => typed.parse().map_err(|_| {
            let mut errors = FieldErrors::new();
            errors.add("kind", "Choose a progress note or a psychotherapy note.");
            AppError::Invalid(errors)
        }),
    }
}

impl Drop for Draft {
    fn drop(&mut self) {
        self.body.wipe();
    }
}

/// Earliest session date a note may carry.
const FIRST_DAY: Date = time::macros::date!(1900 - 01 - 01);

/// Checks a draft as typed: a known template, a session date that is a
/// real day neither in the future nor before 1900, and sections within
/// [`SECTION_MAX`]. Empty sections are fine in a draft. Every message is
/// next to its field.
pub fn check_draft(
    template: &str,
    session_date: &str,
    section: impl Fn(&str) -> String,
    today: Date,
) -> Result<Draft, AppError> {
    let mut errors = FieldErrors::new();
    let template = template.parse::<NoteTemplate>().ok();
    if template.is_none() {
        errors.add("template", "Choose a template.");
    }
    let date = parse_day(session_date.trim());
    match date {
        None if session_date.trim().is_empty() => {
            errors.add("session_date", "Enter the date of the session.")
        }
        None => errors.add(
            "session_date",
            "Enter the session date as YYYY-MM-DD, for example 2026-03-14.",
        ),
        Some(day) if day > today => {
            errors.add("session_date", "The session date cannot be in the future.")
        }
        Some(day) if day < FIRST_DAY => {
            errors.add("session_date", "Enter a session date after 1900.")
        }
        Some(_) => {}
    }
    let mut body = NoteBody::default();
    for s in template.map(NoteTemplate::sections).unwrap_or_default() {
        let text = section(s.field);
        if text.chars().count() > SECTION_MAX {
            errors.add(
                s.field,
                format!(
                    "{} is too long: at most {SECTION_MAX} characters.",
                    s.heading
                ),
            );
        }
        body.0.push((s.field.to_owned(), text));
    }
    errors.into_result()?;
    match (template, date) {
        (Some(template), Some(session_date)) => Ok(Draft {
            template,
            session_date,
            body,
            kind: NoteKind::Progress,
            shared: false,
        }),
        _ => Err(AppError::Internal),
    }
}

/// A signed note has something in every section.
pub fn check_signable(template: NoteTemplate, body: &NoteBody) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    for s in template.sections() {
        let filled = body
            .0
            .iter()
            .any(|(field, text)| field == s.field && !text.trim().is_empty());
        if !filled {
            errors.add(
                s.field,
                format!("Write the {} section before signing.", s.heading),
            );
        }
    }
    errors.into_result()
}

/// Checks an addendum's text.
pub fn check_addendum(text: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if text.trim().is_empty() {
        errors.add("text", "Write the correction or addition.");
    } else if text.chars().count() > ADDENDUM_MAX {
        errors.add(
            "text",
            format!("An addendum has at most {ADDENDUM_MAX} characters."),
        );
    }
    errors.into_result()
}

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
            users::display_name,
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

/// The chart's list of notes for the patient `access` is for, as the one
/// who opened it may see them ([`care_team::listed_for`] its `notes_of`: under
/// emergency access, progress notes alone), newest session first: nothing
/// opened.
pub async fn list(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
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
        .select((NoteMeta::as_select(), users::display_name))
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
            signed_at: note.signed_at.map(minute),
            addenda: counts
                .iter()
                .find(|(id, _)| *id == note.id)
                .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn sections(text: &'static str) -> impl Fn(&str) -> String {
        move |_| text.to_owned()
    }

    #[test]
    fn a_draft_needs_a_template_and_a_real_past_date() {
        let error = check_draft("", "", sections(""), TODAY)
            .err()
            .expect("refused");
        assert_eq!(
            error.field("template").as_deref(),
            Some("Choose a template.")
        );
        assert_eq!(
            error.field("session_date").as_deref(),
            Some("Enter the date of the session.")
        );
        for (date, message) in [
            ("2026-02-30", "as YYYY-MM-DD"),
            ("24/11/2026", "as YYYY-MM-DD"),
            ("2026-11-25", "future"),
            ("1899-12-31", "after 1900"),
        ] {
            let error = check_draft("soap", date, sections(""), TODAY)
                .err()
                .expect(date);
            assert!(
                error
                    .field("session_date")
                    .is_some_and(|m| m.contains(message)),
                "{date}: {error:?}"
            );
        }
        let draft = check_draft("dap", "2026-11-24", sections(""), TODAY).expect("a draft");
        assert_eq!(draft.template, NoteTemplate::Dap);
        assert_eq!(draft.body.0.len(), 3);
    }

    #[test]
    fn a_section_has_a_length_limit() {
        let long = "x".repeat(SECTION_MAX + 1);
        let error = check_draft("soap", "2026-11-01", |_| long.clone(), TODAY)
            .err()
            .expect("too long");
        assert!(
            error
                .field("subjective")
                .is_some_and(|m| m.contains("too long"))
        );
        let exact = "x".repeat(SECTION_MAX);
        assert!(check_draft("soap", "2026-11-01", |_| exact.clone(), TODAY).is_ok());
    }

    #[test]
    fn signing_needs_every_section_written() {
        let draft = check_draft(
            "soap",
            "2026-11-01",
            |field| {
                if field == "objective" {
                    "  ".into()
                } else {
                    "text".into()
                }
            },
            TODAY,
        )
        .expect("draft");
        let error = check_signable(draft.template, &draft.body).expect_err("one empty");
        assert_eq!(
            error.field("objective").as_deref(),
            Some("Write the Objective section before signing.")
        );
        assert!(error.field("subjective").is_none());
        let full = check_draft("soap", "2026-11-01", sections("text"), TODAY).expect("draft");
        assert!(check_signable(full.template, &full.body).is_ok());
    }

    #[test]
    fn addenda_need_text_within_the_limit() {
        assert!(check_addendum("  ").is_err());
        assert!(check_addendum(&"y".repeat(ADDENDUM_MAX + 1)).is_err());
        assert!(check_addendum("Corrected the date of the referral.").is_ok());
    }

    #[test]
    fn a_body_round_trips_through_its_sealed_bytes() {
        let body = NoteBody(vec![("plan".into(), "Follow up in two weeks".into())]);
        let bytes = body.to_bytes();
        let back = NoteBody::from_bytes(&bytes).expect("parses");
        assert_eq!(back.0, body.0);
        assert!(NoteBody::from_bytes(b"not json").is_none());
    }
}
