//! The per-IP request budget on every route (see `app::backend::throttle`),
//! but static files and health checks.

use app::{
    backend::{AppState, client::ClientInfo, throttle::retry_secs},
    error::AppError,
};
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, StatusCode, header};

pub async fn per_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if super::is_asset_or_probe(request.uri().path()) {
        return next.run(request).await;
    }
    let key = request.extensions().get::<ClientInfo>().map_or_else(
        || ClientInfo::default().throttle_key(),
        ClientInfo::throttle_key,
    );
    match state.throttles.requests.check(&key) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(path = %request.uri().path(), "request budget spent; answered 429");
            too_many(retry_secs(wait))
        }
    }
}

/// 429 with Retry-After and the error encoded as server functions answer.
pub fn too_many(retry_after_secs: u64) -> Response {
    let body =
        serde_json::to_string(&AppError::RateLimited { retry_after_secs }).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set_retry_after(&mut response, retry_after_secs);
    response
}

pub fn set_retry_after(response: &mut Response, retry_after_secs: u64) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_says_when_to_come_back() {
        let response = too_many(42);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
    }
}
