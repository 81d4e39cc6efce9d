//! The one place server-function errors get their HTTP status.
//!
//! Leptos answers every server-function error with 500 and the encoded
//! error. This layer decodes our [`AppError`] and sets the status it names
//! (422 for invalid input, 401, 503, ...), including for errors raised
//! before our code runs (malformed or oversized arguments). Redirects made
//! for plain HTML form posts keep their status: the error travels in the
//! URL. Either way the decoded error rides on the response's extensions.

use app::error::AppError;
use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::StatusCode;

/// Leptos marks server-function error responses with this header.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Encoded `AppError`s are tiny; anything larger is not one of ours.
const MAX_ERROR_BYTES: usize = 64 * 1024;

pub async fn set_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    // A plain HTML form post's error is answered with a redirect (the error
    // in the URL); its body still carries the error, which is decoded for
    // the layers above (`refusals`) but its status is left alone.
    let redirected = status == StatusCode::FOUND;
    if !(status == StatusCode::INTERNAL_SERVER_ERROR || redirected)
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let error = serde_json::from_slice::<AppError>(&bytes).ok();
    if let Some(error) = &error
        && !redirected
    {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    if let Some(error) = error {
        if let Some(retry_after_secs) = error.retry_after_secs()
            && !redirected
        {
            super::throttle::set_retry_after(&mut response, retry_after_secs);
        }
        // What the function answered, for the layers above.
        response.extensions_mut().insert(error);
    }
    response
}
