//! Free text written in the clear before it was sealed: emergency access
//! reasons and alert review notes from before migration 14. Sealed (and
//! the clear copy removed) when the schema is brought up to date, by
//! `cairn migrate` and by `serve` after its migrations. Safe to run again:
//! it finds nothing left.
//!
//! The same text may also stand in the audit trail's `reason` of events
//! recorded before then: those rows are part of the hash chain and can
//! never change, so they stay as they were written.

use super::{Scope, Sealed, Vault, columns};
use crate::{
    backend::db::schema::{audit_alert_reviews, emergency_access},
    error::AppError,
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Rows sealed in one transaction.
const BATCH: i64 = 200;

/// Seals every leftover; answers how many values it sealed.
pub async fn seal_all(conn: &mut AsyncPgConnection, vault: &Vault) -> Result<usize, AppError> {
    let mut sealed = 0;
    loop {
        let done = reasons(conn, vault).await?;
        sealed += done;
        if done < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    loop {
        let done = notes(conn, vault).await?;
        sealed += done;
        if done < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            break;
        }
    }
    if sealed > 0 {
        tracing::info!(
            values = sealed,
            "sealed free text stored in the clear before"
        );
    }
    Ok(sealed)
}

/// One batch of emergency reasons, each with its patient's key.
async fn reasons(conn: &mut AsyncPgConnection, vault: &Vault) -> Result<usize, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let rows: Vec<(Uuid, Uuid, Uuid, String)> = emergency_access::table
            .filter(emergency_access::reason_sealed.is_null())
            .filter(emergency_access::reason.is_not_null())
            .select((
                emergency_access::id,
                emergency_access::organization_id,
                emergency_access::patient_id,
                emergency_access::reason.assume_not_null(),
            ))
            .limit(BATCH)
            .for_update()
            .load(conn)
            .await?;
        for (id, organization_id, patient_id, reason) in &rows {
            let sealed = Sealed::seal(
                vault,
                conn,
                Scope::patient(*organization_id, *patient_id),
                columns::EMERGENCY_REASON.at(*id),
                reason,
            )
            .await?;
            diesel::update(emergency_access::table.find(id))
                .set((
                    emergency_access::reason_sealed.eq(sealed.as_bytes()),
                    emergency_access::reason.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
        }
        Ok(rows.len())
    })
    .await
}

/// One batch of alert review notes, each with its practice's key.
async fn notes(conn: &mut AsyncPgConnection, vault: &Vault) -> Result<usize, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let rows: Vec<(Uuid, Uuid, String)> = audit_alert_reviews::table
            .filter(audit_alert_reviews::note.is_not_null())
            .select((
                audit_alert_reviews::id,
                audit_alert_reviews::organization_id,
                audit_alert_reviews::note.assume_not_null(),
            ))
            .limit(BATCH)
            .for_update()
            .load(conn)
            .await?;
        for (id, organization_id, note) in &rows {
            let sealed = Sealed::seal_for_practice(
                vault,
                conn,
                *organization_id,
                columns::ALERT_REVIEW_NOTE,
                *id,
                note,
            )
            .await?;
            diesel::update(audit_alert_reviews::table.filter(audit_alert_reviews::id.eq(id)))
                .set((
                    audit_alert_reviews::note_sealed.eq(sealed.as_bytes()),
                    audit_alert_reviews::note.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
        }
        Ok(rows.len())
    })
    .await
}
