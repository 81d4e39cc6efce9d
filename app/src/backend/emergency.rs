//! Emergency ("break the glass") access: a therapist who is not on a
//! patient's care team may open the chart for a while (60 minutes unless
//! configured), after writing why and entering a fresh second factor. The
//! start is recorded as `record.emergency_access` with the reason, which
//! raises an alert on the access review; while it lasts, the policy
//! (`backend::access`) lets the chart open and every access carries the
//! reason into the trail.

use super::{
    audit::{self, Actor, Event, Origin},
    authz::{Sensitive, StepUp, Therapist},
    client::ClientInfo,
    db::schema::emergency_access,
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

/// An emergency access in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub id: Uuid,
    pub reason: String,
    pub expires_at: OffsetDateTime,
}

/// The emergency access `user_id` holds to `patient_id` now, if any (the
/// latest, when several overlap).
pub async fn active(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    patient_id: Uuid,
) -> Result<Option<Active>, AppError> {
    let found: Option<(Uuid, String, OffsetDateTime)> = emergency_access::table
        .filter(emergency_access::user_id.eq(user_id))
        .filter(emergency_access::patient_id.eq(patient_id))
        .filter(emergency_access::expires_at.gt(diesel::dsl::now))
        .order(emergency_access::expires_at.desc())
        .select((
            emergency_access::id,
            emergency_access::reason,
            emergency_access::expires_at,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(id, reason, expires_at)| Active {
        id,
        reason,
        expires_at,
    }))
}

/// Starts an emergency access of `therapist` to `patient_id` (which the
/// caller found in their practice) for `lasts`, recording it in the same
/// transaction. The [`StepUp`] proves a fresh second factor.
pub async fn start(
    conn: &mut AsyncPgConnection,
    therapist: Therapist,
    step_up: StepUp,
    patient_id: Uuid,
    reason: &str,
    lasts: Duration,
    client: &ClientInfo,
) -> Result<Active, AppError> {
    debug_assert_eq!(step_up.action, Sensitive::EmergencyAccess);
    let lasts = time::Duration::try_from(lasts).map_err(|_| AppError::Internal)?;
    let expires_at = OffsetDateTime::now_utc() + lasts;
    conn.transaction::<_, AppError, _>(async |conn| {
        let id: Uuid = diesel::insert_into(emergency_access::table)
            .values((
                emergency_access::organization_id.eq(therapist.organization_id),
                emergency_access::patient_id.eq(patient_id),
                emergency_access::user_id.eq(therapist.user_id),
                emergency_access::reason.eq(reason),
                emergency_access::expires_at.eq(expires_at),
            ))
            .returning(emergency_access::id)
            .get_result(conn)
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
        .because(reason);
        audit::record(conn, event).await?;
        Ok(Active {
            id,
            reason: reason.to_owned(),
            expires_at,
        })
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
