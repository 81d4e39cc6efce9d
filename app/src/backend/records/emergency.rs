//! Emergency ("break the glass") access: a therapist who is not on a
//! patient's care team may open the chart for a while (60 minutes unless
//! configured), after writing why and entering a fresh second factor. The
//! start is recorded as `record.emergency_access`, which raises an alert on
//! the access review; while it lasts, the policy (`backend::records::access`) lets
//! the chart open and every access names the emergency access in the
//! trail. The reason is free text about a patient: it is sealed with the
//! patient's key (`columns::EMERGENCY_REASON`), and the trail refers to
//! the emergency access instead of copying it; administrators read it on
//! the access review.

use crate::backend::{
    audit::{self, Actor, Event, Origin},
    client::ClientInfo,
    db::schema::emergency_access,
    identity::authz::{Sensitive, StepUp, Therapist},
    vault::{Scope, Sealed, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Shortest and longest reason, in characters.
pub const REASON_MIN: usize = 20;
pub const REASON_MAX: usize = 500;

/// Checks the reason as typed; answers it trimmed.
pub fn check_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    let length = reason.chars().count();
    let mut errors = FieldErrors::new();
    if length == 0 {
        errors.add("reason", "Say why you need this chart now.");
    } else if length < REASON_MIN {
        errors.add(
            "reason",
            format!(
                "Say a little more (at least {REASON_MIN} characters): administrators review every emergency access."
            ),
        );
    } else if length > REASON_MAX {
        errors.add(
            "reason",
            format!("Keep the reason under {REASON_MAX} characters."),
        );
    } else if reason.chars().any(char::is_control) {
        errors.add("reason", "Write the reason on one line.");
    }
    errors.into_result().map(|()| reason.to_owned())
}

/// Session data key of the patients a caseload search found outside the
/// searcher's caseload: opaque handles, each naming one patient.
const SEARCH_MATCHES_KEY: &str = "search_matches";
/// Handles a session keeps (the newest).
const SEARCH_MATCHES_KEPT: usize = 20;

/// Remembers, in the searcher's session, the patients a caseload search
/// found outside their caseload, and answers an opaque handle for each.
///
/// The browser gets the handles, never the patients' ids: that a named
/// person is a patient here is disclosed only as far as "someone matches",
/// and the id (which would let them be followed elsewhere) is handed out
/// only when emergency access actually starts (`matched`).
pub async fn remember_matches(
    session: &tower_sessions::Session,
    patients: &[Uuid],
) -> Result<Vec<String>, AppError> {
    let mut kept: Vec<(String, Uuid)> = session
        .get(SEARCH_MATCHES_KEY)
        .await
        .map_err(crate::backend::identity::session::store_error)?
        .unwrap_or_default();
    let handles: Vec<String> = patients
        .iter()
        .map(|_| crate::backend::secret::random_token())
        .collect();
    kept.extend(handles.iter().cloned().zip(patients.iter().copied()));
    let excess = kept.len().saturating_sub(SEARCH_MATCHES_KEPT);
    kept.drain(..excess);
    session
        .insert(SEARCH_MATCHES_KEY, kept)
        .await
        .map_err(crate::backend::identity::session::store_error)?;
    Ok(handles)
}

/// The patient a handle from [`remember_matches`] names, in this session.
pub async fn matched(
    session: &tower_sessions::Session,
    handle: &str,
) -> Result<Option<Uuid>, AppError> {
    let kept: Vec<(String, Uuid)> = session
        .get(SEARCH_MATCHES_KEY)
        .await
        .map_err(crate::backend::identity::session::store_error)?
        .unwrap_or_default();
    Ok(kept
        .into_iter()
        .find(|(kept, _)| kept == handle.trim())
        .map(|(_, patient)| patient))
}

/// An emergency access in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub id: Uuid,
    pub expires_at: OffsetDateTime,
}

/// The emergency access `user_id` holds to `patient_id` now, if any (the
/// latest, when several overlap).
pub async fn active(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    patient_id: Uuid,
) -> Result<Option<Active>, AppError> {
    let found: Option<(Uuid, OffsetDateTime)> = emergency_access::table
        .filter(emergency_access::user_id.eq(user_id))
        .filter(emergency_access::patient_id.eq(patient_id))
        .filter(emergency_access::expires_at.gt(diesel::dsl::now))
        .order(emergency_access::expires_at.desc())
        .select((emergency_access::id, emergency_access::expires_at))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(id, expires_at)| Active { id, expires_at }))
}

/// What a therapist asks for when they break the glass.
pub struct Opening<'a> {
    /// A patient the caller found in the therapist's practice.
    pub patient_id: Uuid,
    /// Checked by [`check_reason`].
    pub reason: &'a str,
    pub lasts: Duration,
}

/// Starts an emergency access of `therapist` to the opening's patient for
/// its length, recording it in the same transaction. The [`StepUp`] proves
/// a fresh second factor. The reason is stored sealed with the patient's
/// key.
pub async fn start(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    therapist: Therapist,
    step_up: StepUp,
    opening: Opening<'_>,
    client: &ClientInfo,
) -> Result<Active, AppError> {
    let Opening {
        patient_id,
        reason,
        lasts,
    } = opening;
    debug_assert_eq!(step_up.action, Sensitive::EmergencyAccess);
    let lasts = time::Duration::try_from(lasts).map_err(|_| AppError::Internal)?;
    let expires_at = OffsetDateTime::now_utc() + lasts;
    let id = Uuid::new_v4();
    conn.transaction::<_, AppError, _>(async |conn| {
        let sealed = Sealed::seal(
            vault,
            conn,
            Scope::patient(therapist.organization_id, patient_id),
            columns::EMERGENCY_REASON.at(id),
            &reason.to_owned(),
        )
        .await?;
        diesel::insert_into(emergency_access::table)
            .values((
                emergency_access::id.eq(id),
                emergency_access::organization_id.eq(therapist.organization_id),
                emergency_access::patient_id.eq(patient_id),
                emergency_access::user_id.eq(therapist.user_id),
                emergency_access::reason_sealed.eq(sealed.as_bytes()),
                emergency_access::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .await?;
        let event = Event::new(
            AuditAction::EmergencyAccess,
            AuditOutcome::Allowed,
            Actor::Person {
                user_id: therapist.user_id,
                organization_id: therapist.organization_id,
                role: crate::model::Role::Therapist,
            },
            Origin::from(client),
        )
        .on("emergency_access", id)
        .about_patient(patient_id)
        .because("emergency access");
        audit::record(conn, event).await?;
        Ok(Active { id, expires_at })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_bounded() {
        let message = |r: &str| check_reason(r).err().and_then(|e| e.field("reason"));
        assert_eq!(
            message("  ").as_deref(),
            Some("Say why you need this chart now.")
        );
        assert!(message("on call").is_some_and(|m| m.contains("at least 20")));
        assert!(message(&"x".repeat(REASON_MAX + 1)).is_some_and(|m| m.contains("under 500")));
        assert!(message("Crisis call overnight,\nline two").is_some());
        assert_eq!(
            check_reason("  On-call: patient in crisis called the after-hours line  ").as_deref(),
            Ok("On-call: patient in crisis called the after-hours line")
        );
    }
}
