//! A burst of sign-ins does not take the portal down: no request holds a
//! database connection, or a place among the requests being served,
//! while it waits for, or computes, a password hash.

use crate::support::{TestApp, records::user_id};
use app::backend::seed::DEMO_PASSWORD;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

const ROWAN: &str = "rowan.ellis@juniper-creek.example";
const PATIENTS: [&str; 4] = [
    "avery.quinn@patients.example",
    "jordan.lee@patients.example",
    "mateo.alvarez@patients.example",
    "priya.natarajan@patients.example",
];

#[tokio::test(flavor = "multi_thread")]
async fn with_one_connection_and_every_hashing_permit_busy_a_signed_in_chart_still_opens() {
    // The smallest pool there is, one request served at a time, and one
    // hash at a time.
    let app = TestApp::with_demo_and(&[
        ("CAIRN_DB_POOL_SIZE", "1"),
        ("CAIRN_CONCURRENT_REQUESTS", "1"),
        ("CAIRN_HASH_CONCURRENCY", "1"),
        ("CAIRN_SENSITIVE_LIMIT", "1000"),
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "100000"),
    ])
    .await;
    let mut rowan = app.signed_in(ROWAN).await;
    let avery = crate::support::records::record_of(&mut app.db.conn().await, PATIENTS[0]).await;
    let chart = format!("/api/chart?patient_id={avery}");
    assert_eq!(rowan.fetch(&chart).await.status, StatusCode::OK);

    // Everyone who will sign in has a session and its token already.
    let mut waiting = Vec::new();
    for email in PATIENTS {
        let mut browser = app.browser();
        browser.csrf_token().await;
        waiting.push((email, browser));
    }

    // Every hashing permit is taken: the sign-ins wait for one.
    let busy = app.state.passwords.occupy_all().await.expect("permits");
    let mut signing_in = Vec::new();
    for (email, mut browser) in waiting {
        signing_in.push(tokio::spawn(async move {
            browser
                .call(
                    "/api/sign-in",
                    &[("email", email), ("password", DEMO_PASSWORD)],
                )
                .await
                .status
        }));
    }
    // Long enough for each to have reached the hasher's queue.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        signing_in.iter().all(|task| !task.is_finished()),
        "the sign-ins are waiting for a permit"
    );

    // The pool's one connection and the one place being served are free
    // for the people already signed in: their pages load (a waiting
    // sign-in holding the connection made this a 503; holding the place,
    // a wait until the request timed out).
    for _ in 0..3 {
        let reply = rowan.fetch(&chart).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    // Once the hasher frees up, every sign-in goes through.
    drop(busy);
    for task in signing_in {
        assert_eq!(task.await.expect("sign-in task"), StatusCode::OK);
    }
    // And each was recorded, on a connection taken after the hash.
    let mut conn = app.db.conn().await;
    for email in PATIENTS {
        let id = user_id(&mut conn, email).await;
        let signed_in: i64 = app::backend::db::schema::audit_events::table
            .filter(app::backend::db::schema::audit_events::actor_id.eq(id))
            .filter(
                app::backend::db::schema::audit_events::action
                    .eq(app::model::audit::AuditAction::SignInSucceeded),
            )
            .count()
            .get_result(&mut conn)
            .await
            .expect("count");
        assert_eq!(signed_in, 1, "{email}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_waiting_limit_a_sign_in_is_turned_away_at_once_the_same_for_any_account() {
    let app = TestApp::with_demo_and(&[
        ("CAIRN_HASH_CONCURRENCY", "1"),
        ("CAIRN_HASH_QUEUE", "2"),
        ("CAIRN_SENSITIVE_LIMIT", "1000"),
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "100000"),
    ])
    .await;
    let mut browsers = Vec::new();
    for _ in 0..4 {
        let mut browser = app.browser();
        browser.csrf_token().await;
        browsers.push(browser);
    }
    let mut late_unknown = browsers.pop().expect("browser");
    let mut late_known = browsers.pop().expect("browser");

    let busy = app.state.passwords.occupy_all().await.expect("permits");
    // Two wait their turn: as many as may.
    let mut in_line = Vec::new();
    for (mut browser, email) in browsers.into_iter().zip(PATIENTS) {
        in_line.push(tokio::spawn(async move {
            browser
                .call(
                    "/api/sign-in",
                    &[("email", email), ("password", DEMO_PASSWORD)],
                )
                .await
                .status
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(in_line.iter().all(|task| !task.is_finished()), "waiting");

    // The next are turned away at once, known account or not, alike.
    let known = late_known
        .call(
            "/api/sign-in",
            &[("email", PATIENTS[2]), ("password", DEMO_PASSWORD)],
        )
        .await;
    let unknown = late_unknown
        .call(
            "/api/sign-in",
            &[
                ("email", "nobody@patients.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    for reply in [&known, &unknown] {
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.body
        );
        assert_eq!(reply.header("retry-after"), Some("5"));
        assert_eq!(
            serde_json::from_str::<app::error::AppError>(&reply.body).expect("error"),
            app::error::AppError::Busy {
                retry_after_secs: 5
            }
        );
    }
    assert_eq!(known.body, unknown.body, "nothing tells the accounts apart");

    // Turned away before anything was read: a visitor with no session and
    // no token gets the same answer, not a refusal of the form.
    let mut stranger = app.browser();
    let bare = stranger
        .call_without_token(
            "/api/sign-in",
            &[("email", PATIENTS[3]), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(bare.status, StatusCode::TOO_MANY_REQUESTS, "{}", bare.body);
    assert_eq!(bare.body, known.body);

    // The trail gets one event for the three, not one each.
    let shed_events = || async {
        app::backend::db::schema::audit_events::table
            .filter(
                app::backend::db::schema::audit_events::action
                    .eq(app::model::audit::AuditAction::SignInShed),
            )
            .select(app::backend::db::schema::audit_events::details)
            .load::<serde_json::Value>(&mut app.db.conn().await)
            .await
            .expect("events")
    };
    assert!(shed_events().await.is_empty(), "recorded in batches");
    app::backend::identity::accounts::record_turned_away(&app.state.db, &app.state.passwords)
        .await
        .expect("recorded");
    let recorded = shed_events().await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["turned_away"], "3", "{recorded:?}");
    assert_eq!(recorded[0]["addresses"], "1", "{recorded:?}");
    app::backend::identity::accounts::record_turned_away(&app.state.db, &app.state.passwords)
        .await
        .expect("recorded");
    assert_eq!(shed_events().await.len(), 1, "nothing more to record");

    // Those in line sign in once the hasher frees up.
    drop(busy);
    for task in in_line {
        assert_eq!(task.await.expect("sign-in task"), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_whose_session_cannot_be_read_is_told_to_try_again_not_called_forged() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    let token = browser.csrf_token().await;
    // The same visitor, on an instance whose database does not answer.
    let mut stranded = crate::support::app::Browser::new(crate::support::app::down_router());
    stranded.cookies = browser.cookies.clone();
    let reply = stranded
        .call_without_token(
            "/api/sign-in",
            &[
                ("email", PATIENTS[0]),
                ("password", DEMO_PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(
        serde_json::from_str::<app::error::AppError>(&reply.body).expect("error"),
        app::error::AppError::Unavailable
    );
}
