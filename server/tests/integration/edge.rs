//! Edge defences: security headers and cross-site request refusal.

use crate::support::{
    TestApp,
    app::{config_with, page_request, send},
};
use app::{backend::seed::DEMO_PASSWORD, error::AppError};
use axum::body::Body;
use http::{Request, StatusCode, header};
use server::{http::router, serve::build_state};

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";

/// A sign-in post with the given Origin and Sec-Fetch-Site, carrying the
/// session cookie and CSRF token of `browser` when given.
fn sign_in_from(
    origin: Option<&str>,
    fetch_site: Option<&str>,
    session: Option<(&str, &str)>,
) -> Request<Body> {
    let mut body = format!(
        "email={}&password={}",
        THERAPIST.replace('@', "%40"),
        DEMO_PASSWORD
    );
    let mut request = Request::post("/api/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some((cookie, token)) = session {
        body.push_str(&format!("&csrf_token={token}"));
        request = request.header(header::COOKIE, format!("__Host-cairn={cookie}"));
    }
    request = request.header(header::CONTENT_LENGTH, body.len());
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    if let Some(site) = fetch_site {
        request = request.header("sec-fetch-site", site);
    }
    request.body(Body::from(body)).expect("request")
}

/// A browser that loaded a page: its session cookie and CSRF token.
async fn visited(app: &TestApp) -> (String, String) {
    let mut browser = app.browser();
    let token = browser.csrf_token().await;
    let cookie = browser.session_cookie().expect("a session").to_owned();
    (cookie, token)
}

fn refused_as_cross_site(reply: &crate::support::app::Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(
        serde_json::from_str::<AppError>(&reply.body).ok(),
        Some(AppError::CrossSite)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_from_another_site_is_refused_before_it_signs_anyone_in() {
    let app = TestApp::with_demo().await;
    let (cookie, token) = visited(&app).await;
    let session = Some((cookie.as_str(), token.as_str()));
    for request in [
        sign_in_from(Some("https://evil.example"), Some("cross-site"), session),
        sign_in_from(Some("null"), None, session),
        sign_in_from(None, Some("cross-site"), session),
        sign_in_from(None, None, session),
    ] {
        let reply = send(&app.router(), request).await;
        refused_as_cross_site(&reply);
        assert!(
            reply.set_cookies().is_empty(),
            "no session for a refused request"
        );
    }
    // The same request from our own origin works.
    let ok = send(
        &app.router(),
        sign_in_from(Some(crate::support::app::ORIGIN), None, session),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let (cookie, token) = visited(&app).await;
    let ok = send(
        &app.router(),
        sign_in_from(None, Some("same-origin"), Some((&cookie, &token))),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_change_without_the_sessions_token_is_refused() {
    let app = TestApp::with_demo().await;
    let origin = Some(crate::support::app::ORIGIN);
    let (cookie, token) = visited(&app).await;
    let (_, other_token) = visited(&app).await;

    let without = send(&app.router(), sign_in_from(origin, None, None)).await;
    refused_as_cross_site(&without);
    let someone_elses = send(
        &app.router(),
        sign_in_from(origin, None, Some((&cookie, &other_token))),
    )
    .await;
    refused_as_cross_site(&someone_elses);
    let forged = send(
        &app.router(),
        sign_in_from(origin, None, Some((&cookie, "forged"))),
    )
    .await;
    refused_as_cross_site(&forged);

    let mut browser = app.browser();
    let reply = browser
        .call_without_token(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    refused_as_cross_site(&reply);
    assert_eq!(browser.current_user().await, None, "nobody signed in");

    let right = send(
        &app.router(),
        sign_in_from(origin, None, Some((&cookie, &token))),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_replaces_the_token() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    let before = browser.csrf_token().await;
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let after = browser.csrf_token().await;
    assert_ne!(before, after);
    let stale = browser
        .call_without_token("/api/sign-out", &[("csrf_token", &before)])
        .await;
    refused_as_cross_site(&stale);
    assert!(browser.current_user().await.is_some(), "still signed in");
    let fresh = browser.call("/api/sign-out", &[]).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(browser.current_user().await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_carry_the_token_before_any_script_runs() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    let page = browser.get("/sign-in").await;
    assert!(
        browser.session_cookie().is_some(),
        "the page started a session"
    );
    let token = browser.csrf_token().await;
    assert!(
        page.body
            .contains(&format!(r#"name="csrf_token" value="{token}""#)),
        "the sign-in form holds the session's token"
    );
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

/// Pages rendered while static files are served beside them keep their own
/// policy, and the files keep the strict one. (Leptos' own static-file
/// handler extended its answer with the response options of whatever
/// render was current on the thread: now and then a file took a page's
/// policy, and the page went out with none, so it never hydrated.) One
/// thread, so the two interleave as much as they can.
#[tokio::test(flavor = "current_thread")]
async fn pages_keep_their_policy_while_static_files_are_served_beside_them() {
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
    let app = TestApp::with_settings(&[
        ("CAIRN_SITE_ROOT", public),
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "1000"),
    ])
    .await;
    // Rounds of a few pages among twice as many files: a browser's page
    // and the assets of the pages before it.
    for _ in 0..25 {
        let mut requests = tokio::task::JoinSet::new();
        for n in 0..12 {
            let router = app.router();
            let path = if n % 3 == 0 {
                "/sign-in"
            } else {
                "/favicon.svg"
            };
            requests.spawn(async move { (path, send(&router, page_request(path)).await) });
        }
        while let Some(answer) = requests.join_next().await {
            let (path, reply) = answer.expect("request task");
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            let csp = reply.header("content-security-policy").unwrap_or_default();
            if path == "/sign-in" {
                assert!(csp.contains("'nonce-"), "a page without its policy: {csp}");
            } else {
                assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            }
        }
    }
}

/// Pages keep being served while another router is built in the same
/// process, as tests do all the time. (Building one lists the app's routes
/// by rendering it, and while Leptos does that it holds back the loading of
/// every resource in the process: a page rendering anywhere else then waited
/// for its data until the request timed out, answered 408.)
#[tokio::test(flavor = "multi_thread")]
async fn pages_are_served_while_another_router_is_built() {
    let settings = [
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "100000"),
        ("CAIRN_REQUEST_TIMEOUT_SECS", "5"),
    ];
    let app = TestApp::with_settings(&settings).await;
    let config = config_with(&app.db, &settings);
    let building = tokio::task::spawn_blocking(move || {
        for _ in 0..40 {
            let state = build_state(&config).expect("state");
            drop(router(state, (&config).into()));
        }
    });
    let mut loads = 0;
    while !building.is_finished() {
        let mut pages = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let router = app.router();
            pages.spawn(async move { send(&router, page_request("/sign-in")).await });
        }
        while let Some(page) = pages.join_next().await {
            assert_eq!(page.expect("page task").status, StatusCode::OK);
            loads += 1;
        }
    }
    building.await.expect("routers built");
    assert!(loads > 0, "no page was loaded while routers were built");
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_server_functions_are_never_cached_and_carry_the_header_set() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let page = browser.get("/home").await;
    let function = browser.call("/api/extend-session", &[]).await;
    assert_eq!(function.status, StatusCode::OK, "{}", function.body);
    let read = browser.fetch("/api/visitor").await;
    let refused = send(
        &app.router(),
        sign_in_from(Some("https://evil.example"), None, None),
    )
    .await;
    for reply in [&page, &function, &read, &refused] {
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

#[tokio::test(flavor = "multi_thread")]
async fn too_many_requests_from_one_address_get_429_with_retry_after() {
    let app = TestApp::with_demo_and(&[("CAIRN_RATE_LIMIT_PER_MINUTE", "5")]).await;
    for _ in 0..5 {
        assert_eq!(app.get("/sign-in").await.status, StatusCode::OK);
    }
    let refused = app.get("/sign-in").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=12).contains(&retry), "{retry}");
    assert_eq!(refused.header("x-frame-options"), Some("DENY"));
    // Probes and static files are never refused.
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

/// The therapist's right password, from a fresh browser, answered 429.
async fn right_password_turned_away(
    app: &TestApp,
) -> (crate::support::app::Browser, crate::support::app::Reply) {
    let mut browser = app.browser();
    let right = browser
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
    (browser, right)
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_attempts_are_throttled_per_address_and_account() {
    let app = TestApp::with_demo_and(&[
        ("CAIRN_SENSITIVE_LIMIT", "3"),
        ("CAIRN_LOCKOUT_THRESHOLD", "50"),
    ])
    .await;
    let wrong = [("email", THERAPIST), ("password", "not the password")];
    for _ in 0..3 {
        assert_eq!(
            app.call("/api/sign-in", &wrong).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let (mut browser, right) = right_password_turned_away(&app).await;
    assert!(
        right
            .header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s > 0))
    );
    assert!(matches!(
        serde_json::from_str::<AppError>(&right.body),
        Ok(AppError::RateLimited { .. })
    ));
    assert_eq!(browser.current_user().await, None, "nobody signed in");
}

/// A clinic behind one address (its staff and the patients in its waiting
/// room): at the default limits, twenty people signing in within a minute
/// all get in, while guessing one account's password from that same
/// address is still stopped, by the account's own budget.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_people_behind_one_address_all_sign_in_while_guessing_is_still_stopped() {
    use app::{
        backend::identity::accounts::{NewAccount, create_with_password},
        model::Role,
    };

    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let practice = crate::support::records::signed_in(&mut conn, THERAPIST)
        .await
        .organization_id;
    // Staff accounts: a patient's comes through an invitation.
    let mut people = Vec::new();
    for n in 0..20 {
        let email = format!("person{n}@clinic-network.example");
        create_with_password(
            &mut conn,
            &app.state.passwords,
            &app.state.vault,
            practice,
            NewAccount {
                email: email.clone(),
                display_name: format!("Clinic Person {n}"),
                role: Role::Therapist,
                password: DEMO_PASSWORD.to_owned(),
            },
        )
        .await
        .expect("an account");
        people.push(email);
    }
    // Every request below comes from the same address.
    for email in &people {
        let mut browser = app.browser();
        browser.sign_in(email, DEMO_PASSWORD).await;
        assert!(browser.current_user().await.is_some(), "{email} is in");
    }

    // Someone at that address guesses the therapist's password.
    let wrong = [("email", THERAPIST), ("password", "not the password")];
    let mut guesses = 0;
    let stopped = loop {
        let reply = app.call("/api/sign-in", &wrong).await;
        guesses += 1;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            break true;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        if guesses > 20 {
            break false;
        }
    };
    assert!(stopped, "guessing was not stopped after {guesses} tries");
    assert!(guesses <= 11, "stopped only after {guesses} tries");
    // The account stays closed to that address, the right password too...
    right_password_turned_away(&app).await;
    // ...while the next person at the clinic still gets in.
    let mut next = app.browser();
    next.sign_in("admin@juniper-creek.example", DEMO_PASSWORD)
        .await;
    assert!(next.current_user().await.is_some());
}
