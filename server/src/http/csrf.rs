//! Cross-site request forgery defence: a state-changing request (anything
//! but GET, HEAD, OPTIONS) is refused unless the browser says it came from
//! our own origin. Browsers set `Origin` on every such request and scripts
//! cannot forge it; `Sec-Fetch-Site` covers the rare request without one.
//! A request that proves neither is refused too: it is not a page of ours.
//! The session cookie's SameSite=Strict is a second, independent barrier.

use app::error::AppError;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use std::sync::Arc;

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
    let body = serde_json::to_string(&AppError::CrossSite).unwrap_or_default();
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "https://cairn.example";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
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
