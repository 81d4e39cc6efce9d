//! Invitations (use, expiry, reuse) and administrators' account actions.

use crate::support::{TestApp, app::Browser};
use app::{
    backend::{
        db::schema::{invitations, users},
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{InvitationLink, InvitationView, PersonRow, Role},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";
const NEW_EMAIL: &str = "jordan.blake@juniper-creek.example";
const GOOD_PASSWORD: &str = "quiet river copper lamp";

async fn invite(browser: &mut Browser, email: &str, role: &str) -> crate::support::app::Reply {
    browser
        .call(
            "/api/invite",
            &[
                ("email", email),
                ("display_name", "Jordan Blake"),
                ("role", role),
            ],
        )
        .await
}

/// Invites `NEW_EMAIL` as `role` and answers the link's token.
async fn invited(app: &TestApp, role: &str) -> String {
    let mut admin = app.signed_in(ADMIN).await;
    let reply = invite(&mut admin, NEW_EMAIL, role).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let link: InvitationLink = serde_json::from_str(&reply.body).expect("link");
    assert_eq!(link.valid_for_hours, 72);
    link.url
        .rsplit_once("/invite/")
        .map(|(_, token)| token.to_owned())
        .expect("token in link")
}

fn error_text(reply: &crate::support::app::Reply, field: &str) -> String {
    serde_json::from_str::<AppError>(&reply.body)
        .ok()
        .and_then(|e| e.field(field))
        .unwrap_or_default()
}

async fn accept(
    app: &TestApp,
    token: &str,
    password: &str,
) -> (Browser, crate::support::app::Reply) {
    let mut browser = app.browser();
    let reply = browser
        .call(
            "/api/accept-invitation",
            &[("token", token), ("password", password)],
        )
        .await;
    (browser, reply)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_sets_a_password_once() {
    let app = TestApp::with_demo().await;
    let token = invited(&app, "therapist").await;
    let stored: Vec<Vec<u8>> = invitations::table
        .select(invitations::token_hash)
        .load(&mut app.db.conn().await)
        .await
        .expect("rows");
    assert!(
        stored.iter().all(|h| h != token.as_bytes()),
        "only a hash is stored"
    );

    let view = app
        .browser()
        .fetch(&format!("/api/invitation?token={token}"))
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let view: InvitationView = serde_json::from_str(&view.body).expect("view");
    assert_eq!(
        (view.email.as_str(), view.role),
        (NEW_EMAIL, Role::Therapist)
    );

    // A weak password changes nothing; the link still works.
    let (_, weak) = accept(&app, &token, "password1234").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&weak, "password").contains("most common"));

    let (mut browser, ok) = accept(&app, &token, GOOD_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let who = browser.current_user().await.expect("signed in");
    assert_eq!(who.display_name, "Jordan Blake");

    let (_, again) = accept(&app, &token, "another fine passphrase").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&again, "invitation").contains("already been used"));
    app.browser().sign_in(NEW_EMAIL, GOOD_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_unknown_links_are_refused_and_change_nothing() {
    let app = TestApp::with_demo().await;
    let token = invited(&app, "patient").await;
    diesel::sql_query(
        "UPDATE invitations SET created_at = now() - interval '80 hours', expires_at = now() - interval '8 hours'",
    )
    .execute(&mut app.db.conn().await)
    .await
    .expect("age the link");
    let (_, expired) = accept(&app, &token, GOOD_PASSWORD).await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&expired, "invitation").contains("expired"));
    let status: String = users::table
        .filter(crate::support::records::email_is(NEW_EMAIL))
        .select(users::status)
        .first(&mut app.db.conn().await)
        .await
        .expect("user");
    assert_eq!(status, "invited");

    let (_, unknown) = accept(&app, "not-a-real-token", GOOD_PASSWORD).await;
    assert!(error_text(&unknown, "invitation").contains("not valid"));
    let page = app.get("/invite/not-a-real-token").await;
    assert!(page.body.contains("not valid"), "the page says so too");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_invitation_replaces_the_old_link() {
    let app = TestApp::with_demo().await;
    let first = invited(&app, "patient").await;
    let second = invited(&app, "patient").await;
    let (_, old) = accept(&app, &first, GOOD_PASSWORD).await;
    assert!(error_text(&old, "invitation").contains("already been used"));
    let (_, new) = accept(&app, &second, GOOD_PASSWORD).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn who_may_invite_whom() {
    let app = TestApp::with_demo().await;
    let mut therapist = app.signed_in(THERAPIST).await;
    let refused = invite(&mut therapist, NEW_EMAIL, "therapist").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_text(&refused, "role").contains("patients only"));
    let ok = invite(&mut therapist, NEW_EMAIL, "patient").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let listed = therapist.fetch("/api/people").await;
    let listed: Vec<PersonRow> = serde_json::from_str(&listed.body).expect("people");
    assert_eq!(
        listed.len(),
        1,
        "a therapist sees the patients they invited"
    );

    let mut patient = app.signed_in(PATIENT).await;
    let reply = invite(&mut patient, "x@juniper-creek.example", "patient").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        patient.fetch("/api/people").await.status,
        StatusCode::FORBIDDEN
    );

    let mut admin = app.signed_in(ADMIN).await;
    let existing = invite(&mut admin, THERAPIST, "therapist").await;
    assert!(error_text(&existing, "email").contains("already has an account"));
}

#[tokio::test(flavor = "multi_thread")]
async fn administrators_unlock_deactivate_and_reactivate() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let people: Vec<PersonRow> =
        serde_json::from_str(&admin.fetch("/api/people").await.body).expect("people");
    let therapist = people
        .iter()
        .find(|p| p.email == THERAPIST)
        .expect("listed")
        .id
        .to_string();
    let act = |action: &'static str| {
        [
            ("user_id", therapist.clone()),
            ("action", action.to_owned()),
        ]
    };

    // Locked by failures; the admin sees it and lifts it.
    let wrong = [("email", THERAPIST), ("password", "wrong wrong wrong")];
    for _ in 0..5 {
        app.call("/api/sign-in", &wrong).await;
    }
    let people: Vec<PersonRow> =
        serde_json::from_str(&admin.fetch("/api/people").await.body).expect("people");
    assert!(people.iter().any(|p| p.email == THERAPIST && p.locked));
    let form = act("unlock");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.call("/api/account-action", &form).await.status,
        StatusCode::OK
    );
    let mut session = app.signed_in(THERAPIST).await;

    // Deactivated: the session ends and sign-in is refused.
    let form = act("deactivate");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.call("/api/account-action", &form).await.status,
        StatusCode::OK
    );
    assert_eq!(session.current_user().await, None);
    let refused = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    let form = act("reactivate");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.call("/api/account-action", &form).await.status,
        StatusCode::OK
    );
    app.signed_in(THERAPIST).await;

    // Only administrators act on accounts.
    let mut therapist_browser = app.signed_in(THERAPIST).await;
    let form = act("deactivate");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = therapist_browser.call("/api/account-action", &form).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
