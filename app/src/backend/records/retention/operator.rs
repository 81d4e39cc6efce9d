//! The operator's `cairn retention`: the report (the same review the
//! administrators see, read through the operator's grant and recorded as
//! the command), and erasing every record that is due, one transaction
//! per patient, so a run stopped anywhere is finished by running it again.

use super::{
    erase::{self, By},
    review,
};
use crate::{
    backend::{
        dates::Zone,
        organizations::PracticeZones,
        practice_settings::{self, Retention},
        records::access,
        vault::Vault,
    },
    error::AppError,
    model::retention::RetentionRow,
};
use diesel_async::AsyncPgConnection;
use time::Date;
use uuid::Uuid;

/// What the report found, on the practice's `today`.
pub struct Report {
    pub today: Date,
    pub retention: Retention,
    pub due: Vec<RetentionRow>,
    pub held: Vec<RetentionRow>,
}

/// The records of practice `organization_id` whose retention has ended,
/// and those under a legal hold.
pub async fn report(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
) -> Result<Report, AppError> {
    let zone: Zone = PracticeZones::default().of(conn, organization_id).await?;
    let today = zone.today();
    let retention = practice_settings::retention(conn, organization_id).await?;
    let found = review::to_look_at(conn, organization_id, today).await?;
    let ids: Vec<Uuid> = found.iter().map(|a| a.patient_id).collect();
    let grants = access::operator_retention(conn, organization_id, &ids)
        .await?
        .into_iter()
        .map(access::OperatorGrant::spend)
        .collect();
    let (due, held) =
        review::rows(conn, vault, None, grants, &found, retention, (&zone, today)).await?;
    Ok(Report {
        today,
        retention,
        due,
        held,
    })
}

/// What erasing the due records did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub erased: usize,
    /// Due records not erased (one that does not open, or that a hold
    /// caught meanwhile): the log names each and why.
    pub skipped: usize,
    pub held: usize,
}

/// Erases every record of practice `organization_id` whose retention has
/// ended and that no hold keeps, each in its own transaction.
pub async fn erase_due(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
) -> Result<Erased, AppError> {
    let report = report(conn, vault, organization_id).await?;
    let mut done = Erased {
        held: report.held.len(),
        ..Erased::default()
    };
    for row in report.due {
        if row.kept_until.is_none() {
            done.skipped += 1;
            continue;
        }
        let grants = access::operator_retention(conn, organization_id, &[row.patient_id]).await?;
        let Some(grant) = grants.into_iter().next() else {
            continue;
        };
        match erase::erase(
            conn,
            vault,
            grant.spend(),
            By::Operator,
            report.retention,
            report.today,
        )
        .await
        {
            Ok(()) => done.erased += 1,
            Err(
                error @ (AppError::Invalid(_) | AppError::RecordUnreadable | AppError::NotFound),
            ) => {
                tracing::warn!(patient.id = %row.patient_id, %error, "a due record was not erased");
                done.skipped += 1;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(done)
}
