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

/// How long a browser may keep an answer.
#[derive(Debug, PartialEq, Eq)]
enum Caching {
    /// A bundle file named by its content's hash: that name never names
    /// anything else, so it is kept for a year without asking again.
    Forever,
    /// Other static files (a development build's bundle, the icon): kept,
    /// but checked with the server before each use.
    Revalidated,
    /// Pages and answers: never stored (they hold health information).
    Never,
}

fn caching(path: &str) -> Caching {
    match path.strip_prefix("/pkg/") {
        Some(name) if content_hashed(name) => Caching::Forever,
        Some(_) => Caching::Revalidated,
        None if path == "/favicon.svg" => Caching::Revalidated,
        None => Caching::Never,
    }
}

/// `cairn.<hash>.wasm`: cargo-leptos' hash is an MD5 in unpadded
/// base64url, 22 characters.
fn content_hashed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 3
        && parts[1].len() == 22
        && parts[1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let caching = caching(request.uri().path());
    let mut response = next.run(request).await;
    let found = response.status().is_success();
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
    let cache_control = match caching {
        Caching::Forever if found => "public, max-age=31536000, immutable",
        // A missing file is not kept: the next build may bring it.
        Caching::Forever | Caching::Revalidated => "no-cache",
        Caching::Never => "no-store",
    };
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::{Caching, caching};

    #[test]
    fn only_files_named_by_their_content_are_kept_for_good_and_pages_never() {
        assert_eq!(
            caching("/pkg/cairn.3eXsgRk1WhJ0z_mT2bCjyw.wasm"),
            Caching::Forever
        );
        assert_eq!(
            caching("/pkg/cairn.WLf9vor_OwbVi3p1TUQWkw.js"),
            Caching::Forever
        );
        assert_eq!(caching("/pkg/cairn.wasm"), Caching::Revalidated);
        assert_eq!(caching("/pkg/cairn.short.css"), Caching::Revalidated);
        assert_eq!(caching("/favicon.svg"), Caching::Revalidated);
        assert_eq!(caching("/home"), Caching::Never);
        assert_eq!(caching("/api/current-user"), Caching::Never);
        assert_eq!(caching("/pkgx"), Caching::Never);
        assert_eq!(
            caching("/patients/cairn.3eXsgRk1WhJ0z_mT2bCjyw.wasm"),
            Caching::Never
        );
    }
}
