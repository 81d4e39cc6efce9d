//! Each practice's time zone: read from its row, kept for a minute, and
//! changed only to a name both Cairn's zone database and PostgreSQL's know
//! (pages write times with the one, days are grouped in SQL with the other).

use crate::backend::{dates::Zone, db::schema::organizations};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};
use uuid::Uuid;

/// How long a zone read is used before it is read again: a change made on
/// another server reaches this one within it; one made here, at once.
const FRESH: Duration = Duration::from_secs(60);

/// The zones of the practices this server has served, shared by every
/// request (the chart is read far more often than the zone changes).
#[derive(Debug, Clone, Default)]
pub struct PracticeZones {
    known: Arc<RwLock<HashMap<Uuid, (Instant, Zone)>>>,
}

/// Why a zone could not be set.
#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    #[error("not a time zone")]
    Unknown,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl PracticeZones {
    /// Practice `organization_id`'s zone (UTC for a practice that has none
    /// or a name no longer known).
    pub async fn of(
        &self,
        conn: &mut AsyncPgConnection,
        organization_id: Uuid,
    ) -> QueryResult<Zone> {
        if let Some(zone) = self.remembered(organization_id) {
            return Ok(zone);
        }
        let name: Option<String> = organizations::table
            .find(organization_id)
            .select(organizations::time_zone)
            .first(conn)
            .await
            .optional()?;
        let zone = name
            .as_deref()
            .and_then(Zone::named)
            .unwrap_or_else(Zone::utc);
        self.remember(organization_id, zone.clone());
        Ok(zone)
    }

    /// Sets practice `organization_id`'s zone to `name`, which must be a
    /// zone both databases know. Answers the zone as stored. Pages use it
    /// once [`Self::remember`] is told, after the change is committed.
    pub async fn set(
        conn: &mut AsyncPgConnection,
        organization_id: Uuid,
        name: &str,
    ) -> Result<Zone, ZoneError> {
        let zone = Zone::named(name.trim()).ok_or(ZoneError::Unknown)?;
        let known_to_postgres: bool = diesel::select(diesel::dsl::exists(
            pg_timezone_names::table.filter(pg_timezone_names::name.eq(zone.name())),
        ))
        .get_result(conn)
        .await?;
        if !known_to_postgres {
            return Err(ZoneError::Unknown);
        }
        diesel::update(organizations::table.find(organization_id))
            .set((
                organizations::time_zone.eq(zone.name()),
                organizations::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        Ok(zone)
    }

    /// The zone read within the last minute, if there is one: no
    /// connection is needed for it.
    pub fn remembered(&self, organization_id: Uuid) -> Option<Zone> {
        let known = self.known.read().ok()?;
        let (read_at, zone) = known.get(&organization_id)?;
        (read_at.elapsed() < FRESH).then(|| zone.clone())
    }

    /// Uses `zone` for practice `organization_id` from now on.
    pub fn remember(&self, organization_id: Uuid, zone: Zone) {
        if let Ok(mut known) = self.known.write() {
            known.insert(organization_id, (Instant::now(), zone));
        }
    }
}

diesel::table! {
    /// PostgreSQL's list of the zones it knows (a view; read only).
    pg_timezone_names (name) {
        name -> Text,
    }
}
