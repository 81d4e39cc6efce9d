//! What administrators (and the operator's report) see of retention: each
//! record whose period has ended, worked out from its sealed date of
//! birth, and each record a legal hold keeps; every record looked at is
//! recorded as `record.retention_reviewed`, all in one transaction.

use super::{
    activity::{self, Activity, Which},
    holds::{self, Hold},
    kept_as_minor, kept_until,
};
use crate::backend::{
    dates::{Zone, day},
    db::schema::{patient_erasures, users},
    practice_settings::Retention,
    records::access::{self, Caller, Grant, PatientAccess, ReadError},
    records::patients,
    vault::{Phi, Vault},
};
use crate::{
    error::AppError,
    model::{
        audit::AuditAction,
        retention::{ERASED_SHOWN, ErasedRecord, HoldShown, RetentionRow},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A record as retention reads it, opened.
pub struct Looked {
    pub legal_name: Phi<String>,
    pub kept_until: Date,
    pub minor: bool,
    pub hold: Option<Hold>,
}

/// Reads the name, the date of birth and the hold of the record `access`
/// is for, and works out until when it is kept, given its `activity`.
pub async fn look(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    activity: Activity,
    retention: Retention,
) -> Result<Looked, ReadError> {
    let demographics = patients::name_and_birth(conn, vault, access).await?;
    let born = *demographics.1.expose();
    Ok(Looked {
        legal_name: demographics.0,
        kept_until: kept_until(activity.last_activity, born, retention),
        minor: kept_as_minor(activity.last_activity, born, retention),
        hold: holds::read(conn, vault, access).await?,
    })
}

/// The records to look at on `today`: those whose period after the last
/// activity has ended, and those under a hold whatever their dates.
pub async fn to_look_at(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    today: Date,
) -> QueryResult<Vec<Activity>> {
    let mut found = activity::of(conn, organization_id, Which::EndedBy(today)).await?;
    for patient in holds::held(conn, organization_id).await? {
        if !found.iter().any(|a| a.patient_id == patient) {
            found.extend(activity::of(conn, organization_id, Which::Patient(patient)).await?);
        }
    }
    Ok(found)
}

/// How many records of the practice have passed the period since their
/// last activity on `today` and are under no hold: from plain dates,
/// nothing opened.
pub async fn due_count(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    today: Date,
) -> QueryResult<usize> {
    let ended = activity::of(conn, organization_id, Which::EndedBy(today)).await?;
    let held = holds::held(conn, organization_id).await?;
    Ok(ended
        .iter()
        .filter(|a| !held.contains(&a.patient_id))
        .count())
}

/// The rows `grants` reach, looked at and recorded in one transaction:
/// `(due, held)`. A record that does not open is listed unnamed and never
/// as due; when `caller` is a person the trail records it as unreadable,
/// for the operator's report the log does.
pub async fn rows(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    caller: Option<&Caller>,
    grants: Vec<Grant>,
    found: &[Activity],
    retention: Retention,
    (zone, today): (&Zone, Date),
) -> Result<(Vec<RetentionRow>, Vec<RetentionRow>), AppError> {
    let action = AuditAction::RetentionReviewed;
    let activities: HashMap<Uuid, Activity> = found.iter().map(|a| (a.patient_id, *a)).collect();
    let asking = caller.cloned();
    let zone = zone.clone();
    access::within_each(conn, vault, grants, action, |conn, vault, accesses| {
        Box::pin(async move {
            let (mut due, mut held) = (Vec::new(), Vec::new());
            for access in accesses {
                let Some(activity) = activities.get(&access.patient_id()).copied() else {
                    continue;
                };
                let read = look(conn, vault, access, activity, retention).await;
                let looked = match (&asking, read) {
                    (Some(caller), read) => access::listed(conn, caller, access, action, read).await?,
                    (None, Ok(looked)) => Some(looked),
                    (None, Err(ReadError::App(error))) => return Err(error),
                    (None, Err(ReadError::Unreadable { column, why })) => {
                        tracing::error!(patient.id = %access.patient_id(), column, %why, "a sealed value did not open");
                        None
                    }
                };
                let row = RetentionRow {
                    patient_id: access.patient_id(),
                    legal_name: looked.as_ref().map(|l| l.legal_name.expose().clone()),
                    last_activity: day(activity.last_activity),
                    kept_until: looked.as_ref().map(|l| day(l.kept_until)),
                    minor: looked.as_ref().is_some_and(|l| l.minor),
                    hold: looked.as_ref().and_then(|l| l.hold.as_ref()).map(|hold| HoldShown {
                        reason: hold.reason.expose().clone(),
                        placed_on: day(zone.date_of(hold.placed_at)),
                        placed_by: hold.placed_by.clone(),
                    }),
                };
                match &looked {
                    Some(l) if l.hold.is_some() => held.push(row),
                    Some(l) if l.kept_until <= today => due.push(row),
                    // Not yet (a minor's), or unreadable while held or not:
                    // an unreadable record is listed so someone looks.
                    Some(_) => {}
                    None => due.push(row),
                }
            }
            Ok::<_, AppError>((due, held))
        })
    })
    .await
}

/// The records of practice `organization_id` erased, the most recent
/// first (at most [`ERASED_SHOWN`]).
pub async fn erased(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    zone: &Zone,
) -> QueryResult<Vec<ErasedRecord>> {
    type Row = (
        Uuid,
        OffsetDateTime,
        Date,
        Date,
        OffsetDateTime,
        Option<String>,
    );
    let rows: Vec<Row> = patient_erasures::table
        .left_join(users::table.on(patient_erasures::erased_by.eq(users::id.nullable())))
        .filter(patient_erasures::organization_id.eq(organization_id))
        .order(patient_erasures::erased_at.desc())
        .limit(ERASED_SHOWN as i64)
        .select((
            patient_erasures::patient_id,
            patient_erasures::record_created_at,
            patient_erasures::last_activity,
            patient_erasures::kept_until,
            patient_erasures::erased_at,
            users::display_name.nullable(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(patient_id, created, last, kept, erased, by)| ErasedRecord {
                patient_id,
                created_on: day(zone.date_of(created)),
                last_activity: day(last),
                kept_until: day(kept),
                erased_on: day(zone.date_of(erased)),
                erased_by: by,
            },
        )
        .collect())
}
