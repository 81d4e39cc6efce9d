//! A burst of sign-ins does not take the portal down: no request holds a
//! database connection while it waits for, or computes, a password hash.

use crate::support::{TestApp, records::user_id};
use app::backend::{
    db::schema::{patients, users},
    seed::DEMO_PASSWORD,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const ROWAN: &str = "rowan.ellis@juniper-creek.example";
const PATIENTS: [&str; 4] = [
    "avery.quinn@patients.example",
    "jordan.lee@patients.example",
    "mateo.alvarez@patients.example",
    "priya.natarajan@patients.example",
];

#[tokio::test(flavor = "multi_thread")]
async fn with_one_connection_and_every_hashing_permit_busy_a_signed_in_chart_still_opens() {
    // The smallest pool there is, and one hash at a time.
    let app = TestApp::with_demo_and(&[
        ("CAIRN_DB_POOL_SIZE", "1"),
        ("CAIRN_HASH_CONCURRENCY", "1"),
        ("CAIRN_SENSITIVE_LIMIT", "1000"),
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "100000"),
    ])
    .await;
    let mut rowan = app.signed_in(ROWAN).await;
    let avery: Uuid = users::table
        .inner_join(patients::table.on(patients::user_id.eq(users::id.nullable())))
        .filter(users::email.eq(PATIENTS[0]))
        .select(patients::id)
        .first(&mut app.db.conn().await)
        .await
        .expect("Avery's record");
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

    // The pool's one connection is free for the people already signed in:
    // their pages load (a waiting sign-in holding it made this a 503).
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
