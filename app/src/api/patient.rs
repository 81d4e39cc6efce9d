//! The patient portal's own record. Opening it is authorized by the one
//! access path (`backend::access`) and recorded in the same transaction as
//! the read; a record that does not open is an error, recorded as such.

use crate::{error::AppError, model::patient::MyInformation};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// The signed-in person's own details; `None` when the practice has no
/// record for them.
#[server(prefix = "/api", endpoint = "my-information", input = GetUrl)]
pub async fn get_my_information() -> Result<Option<MyInformation>, AppError> {
    use crate::{
        backend::{access, patients},
        model::audit::AuditAction,
    };
    use diesel_async::AsyncConnection;
    const ENDPOINT: &str = "my-information";
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let Some(grant) = own_record(&mut conn, &who, ENDPOINT, &client).await? else {
        return Ok(None);
    };
    let patient_id = grant.patient_id();
    let read = conn
        .transaction::<_, patients::ReadError, _>(async |conn| {
            let access = access::record(conn, grant, AuditAction::RecordViewed, &client).await?;
            let opened = patients::demographics(conn, &state.vault, &access).await?;
            Ok(MyInformation {
                legal_name: opened.legal_name.expose().clone(),
                date_of_birth: patients::day(*opened.date_of_birth.expose()),
                email: opened.email.as_ref().map(|e| e.expose().clone()),
                phone: opened.phone.as_ref().map(|p| p.expose().clone()),
            })
        })
        .await;
    access::settle(
        &mut conn,
        &who,
        patient_id,
        ENDPOINT,
        AuditAction::RecordViewed,
        &client,
        read.map(Some),
    )
    .await
}

/// The therapists on the signed-in patient's care team, by name; `None`
/// when the practice has no record for them. Read through the same
/// recorded access as their details.
#[server(prefix = "/api", endpoint = "my-care-team", input = GetUrl)]
pub async fn get_my_care_team() -> Result<Option<Vec<String>>, AppError> {
    use crate::{
        backend::{access, care_team},
        model::audit::AuditAction,
    };
    use diesel_async::AsyncConnection;
    const ENDPOINT: &str = "my-care-team";
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let Some(grant) = own_record(&mut conn, &who, ENDPOINT, &client).await? else {
        return Ok(None);
    };
    let patient_id = grant.patient_id();
    conn.transaction::<_, AppError, _>(async |conn| {
        access::record(conn, grant, AuditAction::RecordViewed, &client).await?;
        Ok(Some(care_team::names(conn, patient_id).await?))
    })
    .await
}

/// The grant to the signed-in person's own record, through the policy;
/// `None` when the practice keeps no record for them.
#[cfg(feature = "ssr")]
async fn own_record(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &crate::backend::session::SignedIn,
    endpoint: &'static str,
    client: &crate::backend::client::ClientInfo,
) -> Result<Option<crate::backend::access::Grant>, AppError> {
    use crate::backend::{access, patients};
    let Some(patient_id) = patients::of_user(conn, who.user_id, who.organization_id).await? else {
        return Ok(None);
    };
    let reach = access::Reach::OwnRecord;
    let grant = access::decide(conn, who, patient_id, reach, endpoint, client).await?;
    Ok(Some(grant))
}
