//! Grants for the operator's commands (`cairn export`, `cairn
//! retention`): no person asks, so no role's policy applies; whoever runs
//! the command already holds the database and the key-encryption keys.
//! The grant is its own type, spent only by those commands' paths, and the
//! trail names the command instead of a person.

use super::{Grant, Reach, each, of_practice};
use crate::{
    backend::{
        audit::{Actor, Origin},
        db::schema::patients,
    },
    error::AppError,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A grant for one of the operator's commands: copying one patient's
/// record set for `cairn export` (a practice moving its records
/// elsewhere), or reading its retention for `cairn retention`. No person
/// asks and no role's policy applies: whoever runs the command already
/// holds the database and the key-encryption keys. So the grant is its
/// own type, which only [`operator_copies`] and [`operator_retention`]
/// make and only those commands' paths spend, and the trail names the
/// command instead of a person.
#[derive(Debug)]
pub struct OperatorGrant(Grant);

impl OperatorGrant {
    pub fn patient_id(&self) -> Uuid {
        self.0.patient_id
    }

    /// The grant it is, for the export to spend.
    pub(in crate::backend::records) fn spend(self) -> Grant {
        self.0
    }
}

/// What the trail names as the endpoint of the operator's export.
pub const OPERATOR_EXPORT: &str = "cairn export";

/// Grants to copy the record set of every patient of practice
/// `organization_id` (not deleted), oldest record first, for the
/// operator's export.
pub async fn operator_copies(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<Vec<OperatorGrant>, AppError> {
    let ids: Vec<Uuid> = patients::table
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .order((patients::created_at, patients::id))
        .select(patients::id)
        .load(conn)
        .await?;
    Ok(operator_grants(
        ids,
        organization_id,
        OPERATOR_EXPORT,
        Reach::RecordSet,
    ))
}

/// What the trail names as the endpoint of the operator's retention
/// commands.
pub const OPERATOR_RETENTION: &str = "cairn retention";

/// Grants to what the retention of a record reads, for the operator's
/// `cairn retention` (the report, and erasing what is due): the patients
/// `ids` of practice `organization_id`, removed from the lists or not.
/// Like the export's, no person asks; the trail names the command.
pub async fn operator_retention(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<OperatorGrant>, AppError> {
    let ids = of_practice(conn, organization_id, ids).await?;
    Ok(operator_grants(
        ids,
        organization_id,
        OPERATOR_RETENTION,
        Reach::Retention,
    ))
}

fn operator_grants(
    ids: Vec<Uuid>,
    organization_id: Uuid,
    endpoint: &'static str,
    reach: Reach,
) -> Vec<OperatorGrant> {
    let actor = Actor::Anonymous {
        organization_id: Some(organization_id),
    };
    each(
        ids,
        organization_id,
        actor,
        (endpoint, Origin::default()),
        reach,
    )
    .into_iter()
    .map(OperatorGrant)
    .collect()
}
