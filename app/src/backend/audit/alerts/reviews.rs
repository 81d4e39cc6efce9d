//! The administrators' reviews of alerts: kept (with a note sealed with
//! the practice's key) and recorded in the trail. A review covers the
//! events up to the newest one the reviewer saw; anything later opens the
//! alert again.

use super::NOTE_MAX_CHARS;
use crate::backend::dates::Zone;
use crate::{
    backend::{
        audit::{Actor, Details, Event, Origin},
        client::ClientInfo,
        db::schema::{alert_episodes, audit_alert_reviews, users},
        identity::{account_identity::staff_name, authz::Admin},
        vault::{Sealed, Vault, columns},
    },
    error::{AppError, FieldErrors},
    model::audit::{Alert, AlertKind, AlertReview, AuditAction, AuditOutcome},
};
use diesel::{prelude::*, upsert::excluded};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The practice's reviews by alert key: (events covered, the review).
pub(super) async fn reviews(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    zone: &Zone,
) -> Result<HashMap<String, (i64, AlertReview)>, AppError> {
    let rows: Vec<(String, i64, String, OffsetDateTime, Option<String>)> =
        audit_alert_reviews::table
            .inner_join(users::table)
            .filter(audit_alert_reviews::organization_id.eq(organization_id))
            .select((
                audit_alert_reviews::alert_key,
                audit_alert_reviews::through_event_id,
                staff_name(),
                audit_alert_reviews::reviewed_at,
                audit_alert_reviews::note,
            ))
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(key, through, by, at, note)| {
            (
                key,
                (
                    through,
                    AlertReview {
                        by,
                        at: zone.second(at),
                        note,
                    },
                ),
            )
        })
        .collect())
}

/// Opens the sealed notes of the reviewed `alerts` (with the practice's
/// key, on the administrator's proof). A note that does not open says so
/// instead of disappearing.
pub(super) async fn open_notes(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    alerts: &mut [Alert],
) -> Result<(), AppError> {
    let keys: Vec<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
    let sealed: Vec<(String, Uuid, Vec<u8>)> = audit_alert_reviews::table
        .filter(audit_alert_reviews::organization_id.eq(admin.organization_id))
        .filter(audit_alert_reviews::alert_key.eq_any(keys))
        .filter(audit_alert_reviews::note_sealed.is_not_null())
        .select((
            audit_alert_reviews::alert_key,
            audit_alert_reviews::id,
            audit_alert_reviews::note_sealed.assume_not_null(),
        ))
        .load(conn)
        .await?;
    for (key, id, bytes) in sealed {
        let Some(review) = alerts
            .iter_mut()
            .find(|a| a.key == key)
            .and_then(|a| a.review.as_mut())
        else {
            continue;
        };
        let opened = Sealed::<String>::from_stored(bytes)
            .open_for_practice(vault, conn, &admin, columns::ALERT_REVIEW_NOTE, id)
            .await;
        review.note = Some(match opened {
            Ok(note) => note.expose().clone(),
            Err(why) => {
                tracing::error!(review.id = %id, %why, "an alert review's note did not open");
                UNREADABLE_NOTE.to_owned()
            }
        });
    }
    Ok(())
}

/// What a note that does not open reads as.
const UNREADABLE_NOTE: &str =
    "(This note cannot be read. Please contact your practice's administrator.)";

/// An administrator's review of one alert, as the form sends it.
pub struct Review<'a> {
    /// The alert's key.
    pub alert: &'a str,
    /// The newest event the reviewer was shown.
    pub through: i64,
    /// Optional; bounded.
    pub note: &'a str,
}

/// Marks the alert reviewed through the review's event, with its note; the
/// review is recorded in the trail in the same transaction.
pub async fn mark_reviewed(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: Admin,
    review: Review<'_>,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let Review {
        alert: key,
        through,
        note,
    } = review;
    let mut errors = FieldErrors::new();
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.add(
            "note",
            format!("Keep the note to {NOTE_MAX_CHARS} characters or fewer."),
        );
    }
    // Only a raised alert of this practice, through events it holds.
    let named = key.rsplit_once(':').and_then(|(kind, first)| {
        Some((kind.parse::<AlertKind>().ok()?, first.parse::<i64>().ok()?))
    });
    let last_event_id: Option<i64> = match named {
        Some((kind, first)) => alert_episodes::table
            .filter(alert_episodes::organization_id.eq(admin.organization_id))
            .filter(alert_episodes::kind.eq(kind))
            .filter(alert_episodes::first_event_id.eq(first))
            .filter(alert_episodes::raised_at.is_not_null())
            .select(alert_episodes::last_event_id)
            .first(conn)
            .await
            .optional()?,
        None => None,
    };
    let alert = named
        .zip(last_event_id)
        .filter(|(_, last)| through > 0 && through <= *last)
        .map(|(named, _)| named);
    let Some((kind, first)) = alert else {
        errors.add(
            "alert",
            "This alert has changed or is no longer listed. Reload the page and review it again.",
        );
        return Err(AppError::Invalid(errors));
    };
    errors.into_result()?;
    // Kept as the alert names itself, whatever spelling the form sent.
    let key = super::describe::key_of(kind, first);
    let key = key.as_str();
    let note = (!note.is_empty()).then(|| note.to_owned());
    conn.transaction::<_, AppError, _>(async |conn| {
        // The review's id (kept by an upsert) binds its sealed note.
        let id: Uuid = diesel::insert_into(audit_alert_reviews::table)
            .values((
                audit_alert_reviews::organization_id.eq(admin.organization_id),
                audit_alert_reviews::alert_key.eq(key),
                audit_alert_reviews::through_event_id.eq(through),
                audit_alert_reviews::reviewed_by.eq(admin.user_id),
                audit_alert_reviews::reviewed_at.eq(OffsetDateTime::now_utc()),
            ))
            .on_conflict((
                audit_alert_reviews::organization_id,
                audit_alert_reviews::alert_key,
            ))
            .do_update()
            .set((
                audit_alert_reviews::through_event_id
                    .eq(excluded(audit_alert_reviews::through_event_id)),
                audit_alert_reviews::reviewed_by.eq(excluded(audit_alert_reviews::reviewed_by)),
                audit_alert_reviews::reviewed_at.eq(excluded(audit_alert_reviews::reviewed_at)),
            ))
            .returning(audit_alert_reviews::id)
            .get_result(conn)
            .await?;
        let sealed = match &note {
            Some(note) => Some(
                Sealed::seal_for_practice(
                    vault,
                    conn,
                    admin.organization_id,
                    columns::ALERT_REVIEW_NOTE,
                    id,
                    note,
                )
                .await?
                .into_bytes(),
            ),
            None => None,
        };
        // Any note in the clear from before notes were sealed goes too.
        diesel::update(audit_alert_reviews::table.filter(audit_alert_reviews::id.eq(id)))
            .set((
                audit_alert_reviews::note_sealed.eq(sealed),
                audit_alert_reviews::note.eq(None::<String>),
            ))
            .execute(conn)
            .await?;
        // The note stays in the review, out of the trail: it is free text
        // and may name a patient.
        let event = Event::new(
            AuditAction::AlertReviewed,
            AuditOutcome::Allowed,
            Actor::from(admin),
            Origin::from(client),
        )
        .on("audit_alert", key)
        .details(
            Details::new()
                .with("kind", kind.as_str())
                .with("through_event", through)
                .with("with_note", note.is_some()),
        );
        crate::backend::audit::record(conn, event).await.map(drop)
    })
    .await
}
