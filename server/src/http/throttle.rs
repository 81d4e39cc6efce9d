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
            after_a_pause(too_many(retry_secs(wait))).await
        }
    }
}

/// How long a refusal for asking too much waits before it is sent. A
/// client that asks again the moment it is refused (a script, a flood)
/// would otherwise turn even the cheapest refusal into thousands a second
/// and take the CPU from people already signed in; paused, each of its
/// connections asks at most four times a second. The wait holds a parked
/// task and the socket, no session and no database connection.
pub const REFUSAL_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// `response`, sent after [`REFUSAL_PAUSE`].
pub async fn after_a_pause(response: Response) -> Response {
    tokio::time::sleep(REFUSAL_PAUSE).await;
    response
}

/// 429 with Retry-After and the error encoded as server functions answer.
pub fn too_many(retry_after_secs: u64) -> Response {
    answered_before_the_app(&AppError::RateLimited { retry_after_secs })
}

/// `error` answered by a layer in front of the app, as a server function
/// would answer it: its status, its `Retry-After` if any, the error
/// encoded.
pub fn answered_before_the_app(error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(retry_after_secs) = error.retry_after_secs() {
        set_retry_after(&mut response, retry_after_secs);
    }
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
