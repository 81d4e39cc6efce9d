//! Metrics: every request measured on its way out, and the separate
//! listener Prometheus scrapes (`CAIRN_METRICS_BIND`), which serves nothing
//! else and is never the public one.

use app::backend::{AppState, metrics};
use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use http::{HeaderValue, Method, header};
use std::time::Instant;

/// Times the request until its answer's head is ready, and counts it under
/// the route it matched.
pub async fn measured(request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let method = method_name(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::request_answered(
        &route,
        method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The route template the request matched (`/patients/{id}`, never the
/// id), or a fixed word: whatever paths are asked for, the labels stay a
/// short list.
fn route_of(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None if super::is_asset_or_probe(request.uri().path()) => "static".to_owned(),
        None => "unmatched".to_owned(),
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The metrics listener's whole router: `GET /metrics`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        metrics::render(state.db.pool_use()),
    )
}
