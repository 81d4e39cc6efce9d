//! Signing in: credentials, validation, the form without JavaScript.

use crate::support::{TestApp, app::Browser};
use app::{
    backend::{
        db::schema::users,
        identity::accounts::{self, NewAccount},
        identity::password::{HashCost, Passwords},
        seed::{DEMO_ACCOUNTS, DEMO_PASSWORD},
    },
    error::AppError,
    model::Role,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";

fn error_of(body: &str) -> AppError {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not an AppError ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_right_password_signs_in_and_goes_home() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    assert_eq!(browser.current_user().await, None);
    let reply = browser
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/home"));
    let who = browser.current_user().await.expect("signed in");
    assert_eq!(who.display_name, "Dr. Rowan Ellis");
    assert_eq!(who.role, Role::Therapist);

    let home = browser.get("/home").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Welcome, Dr. Rowan Ellis"),
        "{}",
        home.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn home_sends_strangers_to_sign_in() {
    let app = TestApp::with_demo().await;
    let reply = app.get("/home").await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(reply.header("location"), Some("/sign-in?reason=required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn email_is_matched_case_insensitively_and_trimmed() {
    let app = TestApp::with_demo().await;
    app.browser()
        .sign_in("  Rowan.Ellis@JUNIPER-creek.example ", DEMO_PASSWORD)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_account_wrong_password_and_deactivated_account_get_the_same_answer() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    diesel::update(users::table.filter(crate::support::records::email_is(
        "sam.okafor@juniper-creek.example",
    )))
    .set(users::status.eq("deactivated"))
    .execute(&mut conn)
    .await
    .expect("deactivate");

    let unknown = app
        .call(
            "/api/sign-in",
            &[
                ("email", "nobody@juniper-creek.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    let wrong = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", "not the password")],
        )
        .await;
    let deactivated = app
        .call(
            "/api/sign-in",
            &[
                ("email", "sam.okafor@juniper-creek.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    for reply in [&unknown, &wrong, &deactivated] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_of(&reply.body), AppError::BadCredentials);
        assert_eq!(reply.body, unknown.body, "identical bodies");
        assert!(
            reply
                .set_cookies()
                .iter()
                .all(|c| !c.starts_with("__Host-cairn=")),
            "no session"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_message_per_field_and_changes_nothing() {
    let app = TestApp::with_demo().await;
    let reply = app
        .call(
            "/api/sign-in",
            &[("email", "not-an-email"), ("password", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(&reply.body);
    assert_eq!(
        error.field("email").as_deref(),
        Some("Enter an email address like name@example.com.")
    );
    assert_eq!(
        error.field("password").as_deref(),
        Some("Enter your password.")
    );

    let long = "p".repeat(129);
    let reply = app
        .call("/api/sign-in", &[("email", THERAPIST), ("password", &long)])
        .await;
    assert_eq!(
        error_of(&reply.body).field("password").as_deref(),
        Some("A password has at most 128 characters.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_form_fields_are_a_bad_request_not_a_crash() {
    let app = TestApp::with_demo().await;
    let reply = app.call("/api/sign-in", &[("email", THERAPIST)]).await;
    assert_eq!(error_of(&reply.body), AppError::BadRequest);
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_form_post_returns_to_the_form_with_the_error() {
    let app = TestApp::with_demo().await;
    let reply = app
        .post_html_form(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", "wrong")],
            "http://127.0.0.1/sign-in",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let location = reply.header("location").expect("location");
    assert!(
        location.starts_with("http://127.0.0.1/sign-in?"),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");

    // Following the redirect shows the message in the server-rendered page.
    let path = location.trim_start_matches("http://127.0.0.1");
    let page = app.get(path).await;
    assert!(
        page.body.contains("That email and password did not match"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_form_post_with_the_right_password_lands_on_home() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    let reply = browser
        .post_html_form(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
            "http://127.0.0.1/sign-in",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), Some("/home"));
    assert!(browser.current_user().await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hash_with_old_parameters_is_upgraded_at_sign_in() {
    let app = TestApp::with_demo().await;
    let weak = Passwords::new(
        HashCost {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
        1,
    )
    .expect("params");
    let mut conn = app.db.conn().await;
    let org = users::table
        .select(users::organization_id)
        .first::<uuid::Uuid>(&mut conn)
        .await
        .expect("org");
    let account = NewAccount {
        email: "legacy.user@juniper-creek.example".into(),
        display_name: "Legacy User".into(),
        role: Role::Therapist,
        password: "an older long password".into(),
    };
    accounts::create_with_password(&mut conn, &weak, &app.state.vault, org, account)
        .await
        .expect("create");

    app.browser()
        .sign_in(
            "legacy.user@juniper-creek.example",
            "an older long password",
        )
        .await;
    let stored: Option<String> = users::table
        .filter(crate::support::records::email_is(
            "legacy.user@juniper-creek.example",
        ))
        .select(users::password_hash)
        .first(&mut conn)
        .await
        .expect("hash");
    let stored = stored.expect("has hash");
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "rehashed: {stored}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_database() {
    let app = TestApp::with_demo().await;
    let second = app.another_instance();
    for (name, email, _) in DEMO_ACCOUNTS.iter().take(3) {
        // Signed in on one instance, recognised by the other.
        let mut browser = app.browser();
        browser.sign_in(email, DEMO_PASSWORD).await;
        let mut elsewhere = Browser::new(second.clone());
        elsewhere.cookies = browser.cookies.clone();
        let who = elsewhere
            .current_user()
            .await
            .expect("same session on the other instance");
        assert_eq!(who.display_name, *name);
        let other = Browser::new(second.clone())
            .call(
                "/api/sign-in",
                &[("email", email), ("password", "wrong password")],
            )
            .await;
        assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_finds_accounts_by_a_keyed_index_and_indexes_those_written_before_it() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let index_of = async |conn: &mut diesel_async::AsyncPgConnection| -> Option<Vec<u8>> {
        users::table
            .filter(crate::support::records::email_is(THERAPIST))
            .select(users::email_index)
            .first(conn)
            .await
            .expect("the account")
    };
    // Every account is written with the index of its email, full length.
    let index = index_of(&mut conn).await.expect("indexed when created");
    assert_eq!(index, app.state.vault.account_index(THERAPIST));
    assert_eq!(index.len(), 32);
    let unindexed: i64 = users::table
        .filter(users::email_index.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(unindexed, 0);
    // Found by the index whatever the case and spacing typed.
    app.browser()
        .sign_in(" Rowan.Ellis@Juniper-Creek.EXAMPLE ", DEMO_PASSWORD)
        .await;

    // An account written before there was an index still signs in...
    diesel::update(users::table.filter(crate::support::records::email_is(THERAPIST)))
        .set(users::email_index.eq(None::<Vec<u8>>))
        .execute(&mut conn)
        .await
        .expect("as before");
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
    // ...and the step the server runs at start gives it its index, once.
    assert_eq!(
        app::backend::identity::account_identity::seal_existing(&mut conn, &app.state.vault)
            .await
            .expect("indexed"),
        1
    );
    assert_eq!(index_of(&mut conn).await, Some(index));
    assert_eq!(
        app::backend::identity::account_identity::seal_existing(&mut conn, &app.state.vault)
            .await
            .expect("again"),
        0
    );
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
    // A wrong password is refused as before.
    app.browser()
        .fail_sign_in(THERAPIST, "not the password at all", 1)
        .await;
}
