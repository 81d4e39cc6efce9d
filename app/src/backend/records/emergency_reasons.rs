//! The reasons therapists gave for emergency access, read for the
//! administrators who review them (the access review's alerts).
//!
//! A reason is sealed with its patient's key (`columns::EMERGENCY_REASON`),
//! so reading it is an access to that patient's record like any other: the
//! administrator's roster grant (which reaches the name and this reason,
//! nothing clinical), spent and recorded per patient. Kept apart from
//! `emergency` because it needs the policy (`access`), which itself asks
//! `emergency` whether an access is in force.

use crate::backend::{
    db::schema::emergency_access,
    identity::authz::Admin,
    records::access,
    records::sealing,
    vault::{Vault, columns},
};
use crate::{error::AppError, model::audit::AuditAction};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// What a reason that does not open reads as.
pub const UNREADABLE: &str =
    "(This reason cannot be read. Please contact your practice's administrator.)";

/// (id, patient, reason in the clear from before reasons were sealed, sealed).
type Stored = (Uuid, Uuid, Option<String>, Option<Vec<u8>>);

/// The reasons of emergency accesses `ids` of the administrator's practice,
/// by id (others are left out). Each patient whose reason is opened is
/// recorded as viewed by the caller.
pub async fn read(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    admin: &Admin,
    caller: &access::Caller,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Stored> = emergency_access::table
        .filter(emergency_access::organization_id.eq(admin.organization_id))
        .filter(emergency_access::id.eq_any(ids))
        .select((
            emergency_access::id,
            emergency_access::patient_id,
            emergency_access::reason,
            emergency_access::reason_sealed,
        ))
        .load(conn)
        .await?;
    let sealed_for: BTreeSet<Uuid> = rows
        .iter()
        .filter(|(.., sealed)| sealed.is_some())
        .map(|(_, patient, ..)| *patient)
        .collect();
    let grants: Vec<access::Grant> = access::roster(conn, admin, caller)
        .await?
        .into_iter()
        .filter(|grant| sealed_for.contains(&grant.patient_id()))
        .collect();
    access::within_each(
        conn,
        vault,
        grants,
        AuditAction::RecordViewed,
        |conn, vault, accesses| {
            Box::pin(async move {
                let mut reasons = HashMap::with_capacity(rows.len());
                for (id, patient, clear, sealed) in rows {
                    let Some(bytes) = sealed else {
                        // Written before reasons were sealed; sealed when
                        // the schema is next brought up to date
                        // (`vault::leftovers`).
                        reasons.insert(id, clear.unwrap_or_default());
                        continue;
                    };
                    let Some(access) = accesses.iter().find(|a| a.patient_id() == patient) else {
                        continue;
                    };
                    let opened = sealing::open::<String>(
                        conn,
                        vault,
                        access,
                        columns::EMERGENCY_REASON,
                        id,
                        bytes,
                    )
                    .await;
                    let text = match opened {
                        Ok(reason) => reason.expose().clone(),
                        Err(error) => {
                            tracing::error!(emergency_access.id = %id, ?error, "an emergency reason did not open");
                            UNREADABLE.to_owned()
                        }
                    };
                    reasons.insert(id, text);
                }
                Ok::<_, AppError>(reasons)
            })
        },
    )
    .await
}

/// (id, who, started, ends, reason in the clear from before reasons were
/// sealed, sealed).
type OwnStored = (
    Uuid,
    Uuid,
    time::OffsetDateTime,
    time::OffsetDateTime,
    Option<String>,
    Option<Vec<u8>>,
);

/// One emergency access to a patient's record, as the patient reads it.
pub struct OwnEmergency {
    pub user_id: Uuid,
    pub started_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
    pub reason: String,
}

/// The emergency accesses to the record `access` opens that started in
/// `[from, until)`, with their reasons: the patient's own accounting. The
/// patient's own-record access opens the reason (it is about them), and
/// the read that gives it is recorded like any other.
pub async fn of_own_record(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &access::PatientAccess,
    from: time::OffsetDateTime,
    until: Option<time::OffsetDateTime>,
) -> Result<Vec<OwnEmergency>, access::ReadError> {
    let mut query = emergency_access::table
        .filter(emergency_access::organization_id.eq(access.organization_id()))
        .filter(emergency_access::patient_id.eq(access.patient_id()))
        .filter(emergency_access::started_at.ge(from))
        .into_boxed();
    if let Some(until) = until {
        query = query.filter(emergency_access::started_at.lt(until));
    }
    let rows: Vec<OwnStored> = query
        .order(emergency_access::started_at.desc())
        .select((
            emergency_access::id,
            emergency_access::user_id,
            emergency_access::started_at,
            emergency_access::expires_at,
            emergency_access::reason,
            emergency_access::reason_sealed,
        ))
        .load(conn)
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for (id, user_id, started_at, expires_at, clear, sealed) in rows {
        let reason = match sealed {
            Some(bytes) => {
                sealing::open::<String>(conn, vault, access, columns::EMERGENCY_REASON, id, bytes)
                    .await?
                    .expose()
                    .clone()
            }
            None => clear.unwrap_or_default(),
        };
        found.push(OwnEmergency {
            user_id,
            started_at,
            expires_at,
            reason,
        });
    }
    Ok(found)
}
