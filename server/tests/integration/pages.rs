use crate::support::{TestApp, app::send};
use http::StatusCode;

/// Strings that would mean internals reached a person.
const INTERNALS: &[&str] = &[
    "panicked",
    "connection refused",
    "diesel",
    "postgres",
    "stack backtrace",
    "RUST_BACKTRACE",
];

fn assert_no_internals(body: &str) {
    let lower = body.to_lowercase();
    for word in INTERNALS {
        assert!(!lower.contains(&word.to_lowercase()), "page leaks {word:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_page_greets_with_the_practice_name_from_the_database() {
    let app = TestApp::with_demo().await;
    let reply = app.get("/sign-in").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains("Juniper Creek Counseling (demo)"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("/pkg/cairn.js"),
        "hydration script is linked"
    );
    assert!(
        reply.body.contains("/pkg/cairn.css"),
        "stylesheet is linked"
    );
    assert!(reply.body.contains(r#"name="email""#));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_start_page_redirects_to_sign_in() {
    let app = TestApp::new().await;
    let reply = app.get("/").await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(reply.header("location"), Some("/sign-in"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_page_is_404_and_says_nothing_internal() {
    let app = TestApp::new().await;
    let reply = app.get("/files/../../etc/passwd").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.get("/no-such-page").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Page not found"));
    assert_no_internals(&reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_needing_the_database_are_a_clean_503_while_it_is_down() {
    let router = crate::support::app::down_router();
    let reply = send(&router, crate::support::app::page_request("/sign-in")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        reply.body.contains("temporarily unavailable"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("reload the page in a moment"));
    assert_no_internals(&reply.body);
}

/// A refusal stands, so its page offers the way home rather than a reload.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_page_is_403_and_offers_the_way_home() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in("admin@juniper-creek.example").await;
    let reply = admin.get("/me").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("You do not have access to this."));
    assert!(reply.body.contains("Go to your home page"));
    assert!(!reply.body.contains("reload the page"));
    assert_no_internals(&reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_functions_answer_503_while_the_database_is_down() {
    let router = crate::support::app::down_router();
    let reply = crate::support::app::Browser::new(router)
        .fetch("/api/practice-info")
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("Unavailable"), "{}", reply.body);
    assert_no_internals(&reply.body);
}
