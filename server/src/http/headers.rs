//! Security headers on every response, in one place.
//!
//! Pages set their own nonce-based Content-Security-Policy (see
//! `app::ui::shell`); everything else gets a policy that allows nothing.
//! Nothing but static assets may be cached: signed-in pages and server
//! function answers can hold health information.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{HeaderName, HeaderValue, header};

const STRICT_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");

/// Headers every response carries, whatever produced it.
const ALWAYS: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    // same-origin: other sites never see our URLs (which can name records),
    // while plain form posts can still return to the page they came from
    // (server functions redirect to the Referer).
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
];

/// Static assets under /pkg and the icon may be cached; nothing else.
fn cacheable(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let cacheable = cacheable(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in ALWAYS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, STRICT_CSP);
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::cacheable;

    #[test]
    fn only_static_assets_are_cacheable() {
        assert!(cacheable("/pkg/cairn.wasm"));
        assert!(!cacheable("/home"));
        assert!(!cacheable("/api/current-user"));
        assert!(!cacheable("/pkgx"));
    }
}
