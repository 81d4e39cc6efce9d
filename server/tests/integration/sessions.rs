//! Sessions: the cookie, fixation, expiry, limits, sign-out, lockout.

use crate::support::{
    TestApp,
    app::Browser,
    db::{prepared_with, rows_as_text},
};
use app::{
    backend::{
        db::schema::sessions, db::schema::users, identity::accounts, identity::session,
        seed::DEMO_PASSWORD,
    },
    error::AppError,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use std::time::Duration;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";

/// Signed-in sessions (a visitor's page load also starts an anonymous one,
/// to hold its CSRF token).
async fn session_rows(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await;
    sessions::table
        .filter(sessions::user_id.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_is_host_prefixed_secure_http_only_and_strict() {
    let app = TestApp::with_demo().await;
    let reply = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-cairn="))
        .expect("session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Domain"),
        "a __Host- cookie has no Domain: {cookie}"
    );
    assert!(
        !cookie.contains("Max-Age"),
        "the server, not the cookie, decides when it ends: {cookie}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_issues_a_new_session_id_so_a_planted_one_is_worthless() {
    let app = TestApp::with_demo().await;
    let mut victim = app.browser();
    let planted = tower_sessions::session::Id::default().to_string();
    victim
        .cookies
        .insert("__Host-cairn".into(), planted.clone());
    victim.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let issued = victim.session_cookie().expect("cookie").to_owned();
    assert_ne!(issued, planted);

    let mut attacker = app.browser();
    attacker.cookies.insert("__Host-cairn".into(), planted);
    assert_eq!(attacker.current_user().await, None);
    assert!(victim.current_user().await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_holds_a_hash_of_the_session_id_never_the_id() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let cookie = browser.session_cookie().expect("cookie").to_owned();
    let mut conn = app.db.conn().await;
    let keys: Vec<Vec<u8>> = sessions::table
        .select(sessions::id_hash)
        .load(&mut conn)
        .await
        .expect("keys");
    assert_eq!(
        keys,
        vec![session::cookie_hash(&cookie).expect("well-formed")]
    );
    let data: Vec<serde_json::Value> = sessions::table
        .select(sessions::data)
        .load(&mut conn)
        .await
        .expect("data");
    assert!(!data[0].to_string().contains(&cookie));
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let old_cookie = browser.session_cookie().expect("cookie").to_owned();
    let reply = browser.call("/api/sign-out", &[]).await;
    assert_eq!(reply.header("location"), Some("/sign-in?reason=signed-out"));
    assert_eq!(session_rows(&app).await, 0);

    let mut replay = app.browser();
    replay.cookies.insert("__Host-cairn".into(), old_cookie);
    assert_eq!(
        replay.current_user().await,
        None,
        "an old cookie opens nothing"
    );
}

// Timing tests leave wide margins: a loaded 2-core machine can take most
// of a second to answer while other tests hash passwords.

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_session_ends_and_activity_keeps_it() {
    let app = TestApp::with_demo_and(&[("CAIRN_SESSION_IDLE_SECS", "3")]).await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(
            browser.current_user().await.is_some(),
            "activity keeps the session"
        );
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(browser.current_user().await, None, "idle past the timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn checking_the_time_left_is_not_activity() {
    let app = TestApp::with_demo_and(&[("CAIRN_SESSION_IDLE_SECS", "3")]).await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let first = browser.fetch("/api/session-status").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let status: app::model::SessionStatus = serde_json::from_str(&first.body).expect("status");
    assert!((0..=3).contains(&status.expires_in_secs), "{status:?}");
    assert_eq!(status.idle_timeout_secs, 3);
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = browser.fetch("/api/session-status").await;
    }
    let after = browser.fetch("/api/session-status").await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "polling did not keep it alive"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn staying_signed_in_extends_the_session() {
    let app = TestApp::with_demo_and(&[("CAIRN_SESSION_IDLE_SECS", "4")]).await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let reply = browser.call("/api/extend-session", &[]).await;
    let status: app::model::SessionStatus = serde_json::from_str(&reply.body).expect("status");
    assert!(status.expires_in_secs >= 3, "deadline moved: {status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_absolute_lifetime_ends_even_an_active_session() {
    let app = TestApp::with_demo_and(&[
        ("CAIRN_SESSION_IDLE_SECS", "60"),
        ("CAIRN_SESSION_ABSOLUTE_SECS", "4"),
    ])
    .await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert!(browser.current_user().await.is_some());
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let _ = browser.current_user().await;
    }
    assert_eq!(
        browser.current_user().await,
        None,
        "active, but past the absolute lifetime"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fourth_session_ends_the_oldest() {
    let app = TestApp::with_demo().await;
    let mut browsers: Vec<Browser> = Vec::new();
    for _ in 0..4 {
        let mut browser = app.browser();
        browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
        browsers.push(browser);
        // created_at decides "oldest"; keep them apart.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(browsers[0].current_user().await, None, "the oldest ended");
    for browser in &mut browsers[1..] {
        assert!(browser.current_user().await.is_some());
    }
    assert_eq!(session_rows(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_deletes_only_expired_sessions() {
    let app = TestApp::with_demo().await;
    for _ in 0..2 {
        app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
    }
    let mut conn = app.db.conn().await;
    let oldest: Vec<u8> = sessions::table
        .order(sessions::created_at)
        .select(sessions::id_hash)
        .first(&mut conn)
        .await
        .expect("row");
    diesel::sql_query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1",
    )
    .bind::<diesel::sql_types::Bytea, _>(&oldest)
    .execute(&mut conn)
    .await
    .expect("expire one");
    assert_eq!(session::activity::sweep(&mut conn).await.expect("sweep"), 1);
    assert_eq!(session_rows(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_passwords_lock_the_account_with_the_same_answer() {
    let app = TestApp::with_demo().await;
    let wrong = [("email", THERAPIST), ("password", "not the password")];
    let right = [("email", THERAPIST), ("password", DEMO_PASSWORD)];
    let first = app.call("/api/sign-in", &wrong).await;
    for _ in 0..4 {
        app.call("/api/sign-in", &wrong).await;
    }
    let locked = app.call("/api/sign-in", &right).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "the right password is refused while locked"
    );
    assert_eq!(locked.body, first.body, "and the answer does not say so");
    assert_eq!(
        serde_json::from_str::<AppError>(&locked.body).ok(),
        Some(AppError::BadCredentials)
    );

    // An administrator lifts the lock.
    let mut conn = app.db.conn().await;
    let id = users::table
        .filter(crate::support::records::email_is(THERAPIST))
        .select(users::id)
        .first(&mut conn)
        .await
        .expect("id");
    accounts::unlock(&mut conn, id).await.expect("unlock");
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_runs_out_by_itself() {
    let app = TestApp::with_demo_and(&[
        ("CAIRN_LOCKOUT_THRESHOLD", "2"),
        ("CAIRN_LOCKOUT_SECS", "1"),
    ])
    .await;
    let wrong = [("email", THERAPIST), ("password", "not the password")];
    app.call("/api/sign-in", &wrong).await;
    app.call("/api/sign-in", &wrong).await;
    let locked = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_success_resets_the_failure_count() {
    let app = TestApp::with_demo_and(&[("CAIRN_LOCKOUT_THRESHOLD", "3")]).await;
    let wrong = [("email", THERAPIST), ("password", "not the password")];
    for _ in 0..2 {
        app.call("/api/sign-in", &wrong).await;
    }
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
    for _ in 0..2 {
        app.call("/api/sign-in", &wrong).await;
    }
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_a_session_that_was_ended_meanwhile_does_not_bring_it_back() {
    use tower_sessions::{
        SessionStore,
        session::{Id, Record},
    };
    let app = TestApp::with_demo().await;
    let store = session::PgSessionStore::new(app.state.db.clone(), app.state.sessions);
    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + Duration::from_secs(600),
    };
    store.create(&mut record).await.expect("create");
    let mut conn = app.db.conn().await;
    let count = async |conn: &mut diesel_async::AsyncPgConnection| {
        sessions::table
            .count()
            .get_result::<i64>(conn)
            .await
            .expect("count")
    };
    assert_eq!(count(&mut conn).await, 1);

    // Ended elsewhere (sign out everywhere, an admin, expiry) while a request
    // on it was still running; that request then saves what it changed.
    diesel::delete(sessions::table)
        .execute(&mut conn)
        .await
        .expect("end it");
    record
        .data
        .insert("csrf".into(), serde_json::json!("changed meanwhile"));
    let _ = store.save(&record).await;
    assert_eq!(count(&mut conn).await, 0, "not resurrected");
    assert!(
        SessionStore::load(&store, &record.id)
            .await
            .expect("load")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn loading_a_session_reuses_one_prepared_statement() {
    // Every request loads its session (and so records its activity): a
    // statement prepared anew each time would be an extra round trip and a
    // parse per request. One connection, so every load uses it.
    let app = TestApp::with_settings(&[("CAIRN_DB_POOL_SIZE", "1")]).await;
    let store = session::PgSessionStore::new(app.state.db.clone(), app.state.sessions);
    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("created");
    for _ in 0..3 {
        // (Named in full: diesel's `load` is in scope too.)
        let loaded = SessionStore::load(&store, &record.id)
            .await
            .expect("database");
        assert!(loaded.is_some(), "the session is live");
    }
    let mut conn = app.state.db.conn().await.expect("the one connection");
    assert_eq!(
        prepared_with(&mut conn, "UPDATE sessions SET last_seen_at").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn session_rows_hold_ids_and_never_a_name_or_an_email() {
    const PATIENT: &str = "priya.natarajan@patients.example";
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let mut people = Vec::new();
    for email in [THERAPIST, PATIENT] {
        let mut browser = app.browser();
        browser.sign_in(email, DEMO_PASSWORD).await;
        let id = crate::support::records::user_id(&mut conn, email).await;
        let name = app::backend::identity::account_identity::of(&mut conn, &app.state.vault, id)
            .await
            .expect("the account")
            .display_name;
        // The page still greets them by name, read for it.
        let visitor = browser.fetch("/api/visitor").await;
        assert!(visitor.body.contains(&name), "{}", visitor.body);
        people.push((email, name));
    }
    let rows = rows_as_text(&mut conn, "SELECT s::text AS row FROM sessions s").await;
    assert!(rows.len() >= 2);
    for row in &rows {
        for (email, name) in &people {
            let lower = row.to_lowercase();
            assert!(
                !lower.contains(&email.to_lowercase()) && !lower.contains(&name.to_lowercase()),
                "{name} or {email} in a session row: {row}"
            );
        }
    }
}
