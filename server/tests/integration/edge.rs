//! Edge defences: security headers and cross-site request refusal.

use crate::support::{TestApp, app::send};
use app::{backend::seed::DEMO_PASSWORD, error::AppError};
use axum::body::Body;
use http::{Request, StatusCode, header};

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";

fn sign_in_from(origin: Option<&str>, fetch_site: Option<&str>) -> Request<Body> {
    let body = format!(
        "email={}&password={}",
        THERAPIST.replace('@', "%40"),
        DEMO_PASSWORD
    );
    let mut request = Request::post("/api/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ACCEPT, "application/json");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    if let Some(site) = fetch_site {
        request = request.header("sec-fetch-site", site);
    }
    request.body(Body::from(body)).expect("request")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_from_another_site_is_refused_before_it_signs_anyone_in() {
    let app = TestApp::with_demo().await;
    for request in [
        sign_in_from(Some("https://evil.example"), Some("cross-site")),
        sign_in_from(Some("null"), None),
        sign_in_from(None, Some("cross-site")),
        sign_in_from(None, None),
    ] {
        let reply = send(&app.router(), request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(
            serde_json::from_str::<AppError>(&reply.body).ok(),
            Some(AppError::CrossSite)
        );
        assert!(
            reply.set_cookies().is_empty(),
            "no session for a refused request"
        );
    }
    // The same request from our own origin works.
    let ok = send(
        &app.router(),
        sign_in_from(Some(crate::support::app::ORIGIN), None),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ok = send(&app.router(), sign_in_from(None, Some("same-origin"))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_a_nonce_csp_that_matches_their_scripts() {
    let app = TestApp::with_demo().await;
    let page = app.get("/sign-in").await;
    let csp = page
        .header("content-security-policy")
        .expect("csp")
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in policy");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the nonce"
    );

    let again = app.get("/sign-in").await;
    assert_ne!(
        again.header("content-security-policy"),
        Some(csp.as_str()),
        "a fresh nonce per response"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_server_functions_are_never_cached_and_carry_the_header_set() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let page = browser.get("/home").await;
    let function = browser.call("/api/current-user", &[]).await;
    let refused = send(
        &app.router(),
        sign_in_from(Some("https://evil.example"), None),
    )
    .await;
    for reply in [&page, &function, &refused] {
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(
            reply.header("strict-transport-security"),
            Some("max-age=63072000; includeSubDomains")
        );
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
        assert_eq!(
            reply.header("cross-origin-opener-policy"),
            Some("same-origin")
        );
        assert!(
            reply
                .header("permissions-policy")
                .is_some_and(|p| p.contains("camera=()"))
        );
        assert!(
            reply
                .header("content-security-policy")
                .is_some_and(|p| p.contains("frame-ancestors 'none'"))
        );
    }
    assert_eq!(
        function.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'"),
        "non-page responses allow nothing"
    );
}
