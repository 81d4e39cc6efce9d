//! Health checks for load balancers and orchestrators.

use app::backend::AppState;
use axum::{extract::State, response::IntoResponse};
use http::{HeaderValue, StatusCode, header};

/// `/healthz`: the process is alive and serving. Touches nothing else.
pub async fn live() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "ok\n",
    )
}

/// `/readyz`: the database is reachable and migrated; 503 otherwise, so a
/// load balancer sends no traffic here until it is.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let (status, body) = if state.db.is_ready().await {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    };
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body,
    )
}
