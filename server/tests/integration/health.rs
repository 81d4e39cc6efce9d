use crate::support::{TestApp, app::send};
use axum::body::Body;
use http::{Request, StatusCode};

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_ok_when_the_database_is_reachable() {
    let app = TestApp::new().await;
    let reply = app.get("/readyz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_503_and_healthz_ok_when_the_database_is_down() {
    let router = crate::support::app::down_router();
    let ready = send(
        &router,
        Request::get("/readyz")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let live = send(
        &router,
        Request::get("/healthz")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(live.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_503_until_the_schema_is_migrated() {
    let app = TestApp::new().await;
    let state =
        server::serve::build_state(&crate::support::app::config_for(&app.db)).expect("state");
    assert!(!state.db.is_ready().await, "gate starts closed");
    state.db.set_schema_ready();
    assert!(state.db.is_ready().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_a_request_id_and_baseline_headers() {
    let app = TestApp::new().await;
    let first = app.get("/healthz").await;
    let second = app.get("/no-such-page").await;
    let id = first.header("x-request-id").expect("request id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_ne!(
        Some(id),
        second.header("x-request-id"),
        "ids are per request"
    );
    for reply in [&first, &second] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
    }
}

/// A request from `peer` carrying its own `x-request-id`.
fn with_request_id(peer: &str) -> Request<Body> {
    let peer: std::net::SocketAddr = peer.parse().expect("socket address");
    let mut request = Request::get("/healthz")
        .header("x-request-id", "lb-1234")
        .body(Body::empty())
        .expect("request");
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    request
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_id_is_kept_only_from_a_trusted_proxy() {
    let app = TestApp::with_settings(&[("CAIRN_TRUSTED_PROXIES", "10.0.0.2")]).await;
    let reply = send(&app.router(), with_request_id("10.0.0.2:4000")).await;
    assert_eq!(reply.header("x-request-id"), Some("lb-1234"));

    // Anyone else's is replaced: it would go into the trail and the logs.
    for peer in ["203.0.113.9:4000", "127.0.0.1:4000"] {
        let reply = send(&app.router(), with_request_id(peer)).await;
        let id = reply.header("x-request-id").expect("request id");
        assert_ne!(id, "lb-1234", "from {peer}");
        assert_eq!(id.len(), 36, "a fresh UUID: {id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_are_refused() {
    let app = TestApp::new().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let reply = app
        .call(
            "/api/sign-in",
            &[("email", "a@b.example"), ("password", &huge)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}
