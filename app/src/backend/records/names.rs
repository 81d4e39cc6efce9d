//! Patients named in a list (the administrators' roster, a therapist's
//! home): their legal names alone, each opened through its grant and
//! recorded as listed (`record.listed`), all in one transaction.

use crate::{
    backend::{
        records::{
            access::{self, Caller, Grant},
            patients,
        },
        vault::Vault,
    },
    error::AppError,
    model::audit::AuditAction,
};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Each granted patient's legal name, in the grants' order; `None` for a
/// record that did not open (recorded as such).
pub async fn listed(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    caller: &Caller,
    grants: Vec<Grant>,
) -> Result<Vec<(Uuid, Option<String>)>, AppError> {
    let action = AuditAction::RecordListed;
    // An owned copy: the listing runs inside `within_each` and keeps
    // nothing of its caller's.
    let asking = caller.clone();
    access::within_each(conn, vault, grants, action, |conn, vault, accesses| {
        Box::pin(async move {
            let mut names = Vec::with_capacity(accesses.len());
            for access in accesses {
                let read = patients::legal_name(conn, vault, access).await;
                let name = access::listed(conn, &asking, access, action, read).await?;
                names.push((access.patient_id(), name.map(|name| name.expose().clone())));
            }
            Ok::<_, AppError>(names)
        })
    })
    .await
}
