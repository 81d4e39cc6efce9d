//! `GET /admin/audit/export.csv?<filters>`: the access log's filtered
//! events as a CSV download, for administrators. A plain route rather than
//! a server function so the browser saves a file. The export is recorded in
//! the trail before the file is sent; a refusal is recorded too.

use super::download;
use app::{
    backend::{
        AppState,
        audit::{self, review},
        client::ClientInfo,
        identity::authz::Admin,
        identity::session,
    },
    error::AppError,
    model::audit::{AuditAction, AuditQuery},
};
use axum::{
    Extension,
    extract::{Query, State},
    response::Response,
};
use tower_sessions::Session;

pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Extension(mut client): Extension<ClientInfo>,
    Query(query): Query<AuditQuery>,
) -> Response {
    client.set_session(&session);
    match export(&state, &session, &client, &query).await {
        Ok(csv) => download::attachment("text/csv; charset=utf-8", "cairn-access-log.csv", csv),
        Err(error) => {
            let message = match &error {
                AppError::Invalid(_) => {
                    "Some filters are not valid; correct them on the Access review page.".to_owned()
                }
                other => other.to_string(),
            };
            download::refused(&error, message)
        }
    }
}

async fn export(
    state: &AppState,
    session: &Session,
    client: &ClientInfo,
    query: &AuditQuery,
) -> Result<String, AppError> {
    let who = session::signed_in(session).await?;
    let mut conn = state.db.conn().await?;
    let admin = audit::authorize(&mut conn, &who, "audit-export", Admin::check, client).await?;
    // The filter's days are the practice's, as on the page; the file's
    // times are UTC (its column says so).
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    let filter = review::filter(&mut conn, admin, query, &zone).await?;
    let (csv, rows) = review::export_csv(&mut conn, &state.vault, admin, &filter).await?;
    review::record_review(
        &mut conn,
        admin,
        AuditAction::AuditExported,
        &filter,
        rows,
        client,
    )
    .await?;
    tracing::info!(user.id = %admin.user_id, rows, "access log exported");
    Ok(csv)
}
