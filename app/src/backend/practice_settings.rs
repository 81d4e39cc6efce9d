//! What a practice's administrators set for the whole practice: for now
//! its time zone. Each change is recorded in the trail with what it
//! replaced, in the same transaction as the change.

use crate::{
    backend::{
        audit::{self, Actor, Details, Event, Origin},
        client::ClientInfo,
        dates::Zone,
        identity::authz::Admin,
        organizations::{PracticeZones, ZoneError},
    },
    error::{AppError, FieldErrors},
    model::audit::{AuditAction, AuditOutcome},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

/// Sets the practice's zone to `name` (recorded) and answers it; a name
/// that is not a zone is named next to the field and changes nothing.
/// `zones` uses it once it is committed.
pub async fn change_time_zone(
    conn: &mut AsyncPgConnection,
    zones: &PracticeZones,
    admin: Admin,
    name: &str,
    client: &ClientInfo,
) -> Result<Zone, AppError> {
    let was = zones.of(conn, admin.organization_id).await?;
    let zone = conn
        .transaction::<_, AppError, _>(async |conn| {
            let zone = match PracticeZones::set(conn, admin.organization_id, name).await {
                Ok(zone) => zone,
                Err(ZoneError::Unknown) => {
                    let mut errors = FieldErrors::new();
                    errors.add("time_zone", "Choose a time zone from the list.");
                    return Err(AppError::Invalid(errors));
                }
                Err(ZoneError::Database(error)) => return Err(error.into()),
            };
            let event = Event::new(
                AuditAction::PracticeChanged,
                AuditOutcome::Allowed,
                Actor::from(admin),
                Origin::from(client),
            )
            .details(
                Details::new()
                    .with("time_zone", zone.clone())
                    .with("was", was),
            );
            audit::record(conn, event).await?;
            Ok(zone)
        })
        .await?;
    zones.remember(admin.organization_id, zone.clone());
    Ok(zone)
}
