//! What needs a therapist today, for their home page: their own drafts
//! still to sign, plans on their caseload due for review, and the charts
//! they opened last. Ids and dates only: nothing here opens a record (the
//! page opens the names it shows, recorded as a listing).

use crate::{
    backend::db::schema::{audit_events, clinical_notes, treatment_plans},
    error::AppError,
    model::{audit::AuditAction, chart::NoteStatus},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// How many of each the home page lists (the caseload has the rest).
pub const LISTED: i64 = 8;

/// How far back "recent" charts go: the home is read at every sign-in, so
/// it reads a month of the therapist's trail (by its actor index), never
/// all of it.
const RECENT_DAYS: i64 = 30;

/// A draft of theirs waiting to be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub note_id: Uuid,
    pub patient_id: Uuid,
    pub session_date: Date,
}

/// What needs therapist `therapist_id`, among the patients of their
/// `caseload` (the only charts the page may name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desk {
    /// Oldest session first: the longer a note waits, the less it is
    /// remembered.
    pub drafts: Vec<Draft>,
    /// Plans whose review falls on or before the day asked, soonest first.
    pub plans_due: Vec<(Uuid, Date)>,
    /// Charts they opened in the last 30 days, most recent first.
    pub recent: Vec<Uuid>,
}

pub async fn of(
    conn: &mut AsyncPgConnection,
    therapist_id: Uuid,
    caseload: &[Uuid],
    due_by: Date,
) -> Result<Desk, AppError> {
    use diesel::dsl::max;
    let drafts: Vec<(Uuid, Uuid, Date)> = clinical_notes::table
        .filter(clinical_notes::author_id.eq(therapist_id))
        .filter(clinical_notes::status.eq(NoteStatus::Draft))
        .filter(clinical_notes::deleted_at.is_null())
        .filter(clinical_notes::patient_id.eq_any(caseload))
        .order((clinical_notes::session_date, clinical_notes::created_at))
        .limit(LISTED)
        .select((
            clinical_notes::id,
            clinical_notes::patient_id,
            clinical_notes::session_date,
        ))
        .load(conn)
        .await?;
    let plans_due: Vec<(Uuid, Date)> = treatment_plans::table
        .filter(treatment_plans::patient_id.eq_any(caseload))
        .filter(treatment_plans::review_date.le(due_by))
        .order(treatment_plans::review_date)
        .limit(LISTED)
        .select((treatment_plans::patient_id, treatment_plans::review_date))
        .load(conn)
        .await?;
    let recent: Vec<(Option<Uuid>, Option<i64>)> = audit_events::table
        .filter(audit_events::actor_id.eq(therapist_id))
        .filter(
            audit_events::occurred_at.ge(OffsetDateTime::now_utc() - Duration::days(RECENT_DAYS)),
        )
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .filter(audit_events::patient_id.eq_any(caseload))
        .group_by(audit_events::patient_id)
        .select((audit_events::patient_id, max(audit_events::id)))
        .order(max(audit_events::id).desc())
        .limit(LISTED)
        .load(conn)
        .await?;
    Ok(Desk {
        drafts: drafts
            .into_iter()
            .map(|(note_id, patient_id, session_date)| Draft {
                note_id,
                patient_id,
                session_date,
            })
            .collect(),
        plans_due,
        recent: recent.into_iter().filter_map(|(id, _)| id).collect(),
    })
}

impl Desk {
    /// Every patient the page names, once each.
    pub fn patients(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .drafts
            .iter()
            .map(|d| d.patient_id)
            .chain(self.plans_due.iter().map(|(id, _)| *id))
            .chain(self.recent.iter().copied())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}
