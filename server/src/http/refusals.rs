//! Every refusal of a signed-in caller is in the audit trail, whatever the
//! server function.
//!
//! Most refusals are recorded where they are decided (the policy's
//! `authorize`, the chart access path), with what was asked for. A
//! function that answers "not found" or "forbidden" some other way (an
//! account of another practice, say) would otherwise leave no trace, and
//! probing would not show in the access review. This layer sees each
//! server function's answer: a 403 or 404 for a signed-in caller that the
//! call did not record itself is recorded here, naming the endpoint.
//! Forgetting to record can therefore only ever produce this generic event,
//! never silence.

use app::{
    backend::{
        AppState,
        audit::{self, Actor, Event, Origin, refusals},
        client::ClientInfo,
        identity::session,
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

pub async fn every_refusal_recorded(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(endpoint) = request
        .uri()
        .path()
        .strip_prefix("/api/")
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let session = request
        .extensions()
        .get::<tower_sessions::Session>()
        .cloned();
    let mut client = request
        .extensions()
        .get::<ClientInfo>()
        .cloned()
        .unwrap_or_default();
    let (response, already) = refusals::watch(next.run(request)).await;
    let refused = matches!(
        response.extensions().get::<AppError>(),
        Some(AppError::Forbidden | AppError::NotFound)
    );
    if !refused || already {
        return response;
    }
    let Some(session) = session else {
        return response;
    };
    // Not signed in: the anonymous refusal is the function's own (401).
    let Ok(Some(who)) = session::current(&session).await else {
        return response;
    };
    client.set_session(&session);
    let event = Event::new(
        AuditAction::AccessDenied,
        AuditOutcome::Denied,
        Actor::of(&who),
        Origin::from(&client),
    )
    .on("endpoint", &endpoint);
    let recorded = match state.db.conn().await {
        Ok(mut conn) => audit::record(&mut conn, event).await.map(drop),
        Err(error) => Err(error),
    };
    match recorded {
        Ok(()) => tracing::warn!(user.id = %who.user_id, endpoint, "access denied"),
        Err(error) => {
            tracing::error!(%error, user.id = %who.user_id, endpoint, "a refusal was not recorded");
        }
    }
    response
}
