//! Cross-site request forgery defence, in three independent barriers. A
//! state-changing request (anything but GET, HEAD, OPTIONS) is refused
//! unless
//! 1. the browser says it came from our own origin ([`same_origin_only`]):
//!    browsers set `Origin` on every such request and scripts cannot forge
//!    it; `Sec-Fetch-Site` covers the rare request without one; a request
//!    that proves neither is not a page of ours;
//! 2. it carries the session's CSRF token ([`token_required`]), as the
//!    `csrf_token` form field (every form and server function has one) or
//!    the `X-CSRF-Token` header;
//! 3. and the session cookie is SameSite=Strict besides.

use app::backend::identity::session::csrf;
use app::error::AppError;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use std::sync::Arc;
use tower_sessions::Session;

/// The form field and header that carry the token.
const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";

/// Our origin, e.g. `https://cairn.example` (CAIRN_PUBLIC_URL).
pub type PublicOrigin = Arc<str>;

pub async fn same_origin_only(
    State(origin): State<PublicOrigin>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) || comes_from(&origin, request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-site state change");
    refuse()
}

/// Barrier 2: the session's token. Runs inside the session layer. The body
/// is read here (the body limit has already bounded it) and handed on
/// unchanged.
pub async fn token_required(mut request: Request, next: Next) -> Response {
    if is_safe(request.method()) {
        if is_page(request.uri().path()) {
            hand_token_to_page(&mut request).await;
        }
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        tracing::error!("token check outside the session layer");
        return refuse();
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return status_only(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let presented = presented_token(&parts.headers, &bytes);
    let valid = match presented {
        Some(token) => match csrf::matches(&session, &token).await {
            Ok(valid) => valid,
            // The session could not be read (the store is unreachable or
            // busy): that is no forgery, and saying so would send the
            // person hunting for a cause that is not theirs. They are told
            // to try again in a moment.
            Err(error) => {
                tracing::warn!(path = %parts.uri.path(), %error, "the session could not be read to check a CSRF token");
                return answer(StatusCode::SERVICE_UNAVAILABLE, &AppError::Unavailable);
            }
        },
        None => false,
    };
    if !valid {
        tracing::warn!(path = %parts.uri.path(), "refused a state change without a valid CSRF token");
        return refuse();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A page (not a server function, asset or probe): its forms need the token.
fn is_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !matches!(path, "/healthz" | "/readyz")
        && !last.contains('.')
}

/// Puts the session's token (made now if the session has none) where the
/// page's forms read it while rendering ([`csrf::PageToken`]). Without a
/// store, the page renders without it and says the service is unavailable.
async fn hand_token_to_page(request: &mut Request) {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return;
    };
    if let Ok(token) = csrf::token(&session).await {
        request.extensions_mut().insert(csrf::PageToken(token));
    }
}

/// The token from the header, or else from a URL-encoded form body.
fn presented_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return None;
    }
    form_urlencoded::parse(body)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned())
}

fn status_only(status: StatusCode) -> Response {
    Response::builder()
        .status(status)
        .body(Body::empty())
        .unwrap_or_default()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn comes_from(origin: &str, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        Some(Ok(sent)) => sent == origin,
        Some(Err(_)) => false,
        None => headers
            .get("sec-fetch-site")
            .is_some_and(|site| site.as_bytes() == b"same-origin"),
    }
}

/// 403 with the error encoded as server functions answer, so the page shows
/// the message; a plain form post shows it as text.
fn refuse() -> Response {
    answer(StatusCode::FORBIDDEN, &AppError::CrossSite)
}

/// `error` with `status`, encoded as server functions answer.
fn answer(status: StatusCode, error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_get_the_token_and_nothing_else_does() {
        for page in ["/", "/sign-in", "/security/two-step", "/invite/abc_DEF-123"] {
            assert!(is_page(page), "{page}");
        }
        for other in [
            "/api/sign-in",
            "/pkg/cairn.wasm",
            "/favicon.svg",
            "/healthz",
            "/readyz",
        ] {
            assert!(!is_page(other), "{other}");
        }
    }

    const OURS: &str = "https://cairn.example";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn the_token_comes_from_the_header_or_the_form_body() {
        let form = headers(&[("content-type", "application/x-www-form-urlencoded")]);
        assert_eq!(
            presented_token(&form, b"email=a%40b.example&csrf_token=abc%2Fd"),
            Some("abc/d".to_owned())
        );
        assert_eq!(presented_token(&form, b"email=a"), None);
        let json = headers(&[("content-type", "application/json")]);
        assert_eq!(presented_token(&json, b"csrf_token=abc"), None);
        let header = headers(&[("x-csrf-token", "xyz")]);
        assert_eq!(presented_token(&header, b""), Some("xyz".to_owned()));
    }

    #[test]
    fn our_origin_passes() {
        assert!(comes_from(OURS, &headers(&[("origin", OURS)])));
    }

    #[test]
    fn a_foreign_or_null_origin_is_refused_even_if_fetch_metadata_says_otherwise() {
        assert!(!comes_from(
            OURS,
            &headers(&[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "same-origin")
            ])
        ));
        assert!(!comes_from(OURS, &headers(&[("origin", "null")])));
        assert!(!comes_from(
            OURS,
            &headers(&[("origin", "https://cairn.example.evil.example")])
        ));
    }

    #[test]
    fn without_origin_only_same_origin_fetch_metadata_passes() {
        assert!(comes_from(
            OURS,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!comes_from(
            OURS,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!comes_from(OURS, &headers(&[])));
    }
}
