//! The Prometheus endpoint: what a scrape shows after real requests, and
//! that its labels say nothing about anyone.

use crate::{
    charts::{AVERY, ROWAN},
    support::{TestApp, app::send, records::record_of},
};
use axum::body::Body;
use http::{Request, StatusCode};

#[tokio::test(flavor = "multi_thread")]
async fn a_scrape_counts_requests_by_route_and_the_trail_by_action_and_names_nobody() {
    let app = TestApp::with_demo().await;
    let avery = record_of(&mut app.db.conn().await, AVERY).await;
    let mut rowan = app.browser();
    rowan
        .fail_sign_in(ROWAN, "not the password at all", 1)
        .await;
    rowan
        .sign_in(ROWAN, app::backend::seed::DEMO_PASSWORD)
        .await;
    let chart = rowan.get(&format!("/patients/{avery}")).await;
    assert_eq!(chart.status, StatusCode::OK);
    app.get("/no-such-page").await;

    let scrape = send(
        &server::http::metrics::router(app.state.clone()),
        Request::get("/metrics")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(scrape.status, StatusCode::OK);
    assert!(
        scrape
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        scrape.header("content-type")
    );
    let text = &scrape.body;
    for expected in [
        r#"cairn_http_requests_total{route="/api/sign-in",method="POST",status="401"}"#,
        r#"cairn_http_requests_total{route="/api/sign-in",method="POST",status="200"}"#,
        r#"cairn_http_requests_total{route="/patients/{id}",method="GET",status="200"}"#,
        r#"route="unmatched",method="GET",status="404"}"#,
        r#"cairn_http_request_duration_seconds_count{route="/patients/{id}"}"#,
        r#"cairn_audit_events_appended_total{action="sign_in.failed",outcome="denied"}"#,
        r#"cairn_audit_events_appended_total{action="sign_in.succeeded",outcome="allowed"}"#,
        "cairn_audit_append_duration_seconds_count ",
        "cairn_db_pool_max_connections ",
        "cairn_db_pool_connections ",
    ] {
        assert!(text.contains(expected), "no {expected} in:\n{text}");
    }
    // Labels hold templates and fixed words: no id, email, address or name.
    for value in text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| Some(line.split_once('{')?.1.split_once('}')?.0))
        .flat_map(|labels| labels.split(',').filter_map(|pair| pair.split_once('=')))
        .map(|(_, value)| value.trim_matches('"'))
    {
        assert!(
            !value.contains('@')
                && uuid::Uuid::parse_str(value).is_err()
                && value.parse::<std::net::IpAddr>().is_err()
                && !value.contains(&avery.to_string())
                && !value.to_lowercase().contains("avery"),
            "a label value says something about someone: {value}"
        );
    }
}
