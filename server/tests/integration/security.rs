//! A person's own security: their sessions list, ending sessions, signing
//! out everywhere, changing their password.

use crate::support::{TestApp, app::Browser};
use app::{
    backend::seed::DEMO_PASSWORD,
    error::AppError,
    model::{SecurityEvent, SecurityEventKind, SessionSummary},
};
use http::StatusCode;

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const NEW_PASSWORD: &str = "granite lantern meadow 42";

async fn signed_in_browsers(app: &TestApp, n: usize) -> Vec<Browser> {
    let mut browsers = Vec::new();
    for _ in 0..n {
        let mut browser = app.browser();
        browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
        browsers.push(browser);
    }
    browsers
}

async fn my_sessions(browser: &mut Browser) -> Vec<SessionSummary> {
    let reply = browser.fetch("/api/my-sessions").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("sessions JSON")
}

fn field_error(body: &str, field: &str) -> Option<String> {
    serde_json::from_str::<AppError>(body).ok()?.field(field)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_sees_their_sessions_and_can_end_another() {
    let app = TestApp::with_demo().await;
    let mut browsers = signed_in_browsers(&app, 2).await;
    let listed = my_sessions(&mut browsers[0]).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let other = listed.iter().find(|s| !s.current).expect("the other one");

    let reply = browsers[0]
        .call("/api/end-session", &[("handle", &other.handle)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        browsers[1].current_user().await,
        None,
        "the other device is out"
    );
    assert!(browsers[0].current_user().await.is_some(), "this one stays");

    // Someone else's handle ends nothing.
    let mut stranger = app.browser();
    stranger
        .sign_in("sam.okafor@juniper-creek.example", DEMO_PASSWORD)
        .await;
    let mine = my_sessions(&mut browsers[0]).await;
    let reply = stranger
        .call("/api/end-session", &[("handle", &mine[0].handle)])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(browsers[0].current_user().await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_everywhere_ends_every_session() {
    let app = TestApp::with_demo().await;
    let mut browsers = signed_in_browsers(&app, 3).await;
    let reply = browsers[1].call("/api/sign-out-everywhere", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for browser in &mut browsers {
        assert_eq!(browser.current_user().await, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_ends_the_other_sessions() {
    let app = TestApp::with_demo().await;
    let mut browsers = signed_in_browsers(&app, 3).await;
    let before = browsers[0].session_cookie().map(str::to_owned);
    let reply = browsers[0]
        .call(
            "/api/change-password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        browsers[0].current_user().await.is_some(),
        "this session goes on"
    );
    assert_ne!(
        browsers[0].session_cookie().map(str::to_owned),
        before,
        "under a new session id"
    );
    for browser in &mut browsers[1..] {
        assert_eq!(browser.current_user().await, None, "others ended");
    }
    let old = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    app.browser().sign_in(THERAPIST, NEW_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_change_needs_the_current_password_and_a_good_new_one() {
    let app = TestApp::with_demo().await;
    let mut browsers = signed_in_browsers(&app, 2).await;
    let attempts = [
        (
            "not my password",
            NEW_PASSWORD,
            "current_password",
            "not your current password",
        ),
        (DEMO_PASSWORD, "short", "new_password", "at least 12"),
        (DEMO_PASSWORD, "1qaz2wsx3edc", "new_password", "most common"),
        (
            DEMO_PASSWORD,
            "rowan.ellis is me!",
            "new_password",
            "email name",
        ),
        (DEMO_PASSWORD, DEMO_PASSWORD, "new_password", "different"),
    ];
    for (current, new, field, says) in attempts {
        let reply = browsers[0]
            .call(
                "/api/change-password",
                &[("current_password", current), ("new_password", new)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{new}: {}",
            reply.body
        );
        let message = field_error(&reply.body, field).unwrap_or_default();
        assert!(message.contains(says), "{new}: {message}");
    }
    // Nothing changed: the old password works, no session ended.
    assert!(browsers[1].current_user().await.is_some());
    app.browser().sign_in(THERAPIST, DEMO_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn security_actions_need_a_signed_in_session() {
    let app = TestApp::with_demo().await;
    for path in ["/api/sign-out-everywhere", "/api/end-session"] {
        let reply = app.call(path, &[("handle", "x")]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let reply = app.browser().fetch("/api/my-sessions").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_security_page_lists_sessions_and_holds_the_forms() {
    let app = TestApp::with_demo().await;
    let mut browser = signed_in_browsers(&app, 1).await.remove(0);
    let page = browser.get("/security").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Where you are signed in",
        "This device",
        "Sign out everywhere",
        "Change your password",
        r#"name="new_password""#,
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    let signed_out = app.get("/security").await;
    assert!(
        signed_out.status.is_redirection() || signed_out.body.contains("/sign-in?reason=required"),
        "{}",
        signed_out.status
    );
}

async fn notices(browser: &mut Browser) -> Vec<SecurityEventKind> {
    let reply = browser.fetch("/api/security-notices").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str::<Vec<SecurityEvent>>(&reply.body)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

#[tokio::test(flavor = "multi_thread")]
async fn people_are_told_about_new_devices_password_changes_and_lockouts() {
    let app = TestApp::with_demo().await;
    let mut laptop = app.browser();
    laptop.user_agent = Some(FIREFOX.into());
    laptop.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert_eq!(
        notices(&mut laptop).await,
        vec![],
        "a first sign-in is no news"
    );
    let mut again = app.browser();
    again.user_agent = Some(FIREFOX.into());
    again.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert_eq!(
        notices(&mut again).await,
        vec![],
        "the same device again is no news"
    );

    let mut phone = app.browser();
    phone.user_agent = Some(SAFARI.into());
    phone.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert_eq!(
        notices(&mut laptop).await,
        vec![SecurityEventKind::NewDevice]
    );
    let home = laptop.get("/home").await;
    assert!(
        home.body.contains("Safari on iPhone"),
        "the notice names the device"
    );

    let dismissed = laptop.call("/api/dismiss-security-notices", &[]).await;
    assert_eq!(dismissed.status, StatusCode::OK);
    assert_eq!(notices(&mut laptop).await, vec![]);

    let changed = laptop
        .call(
            "/api/change-password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        notices(&mut laptop).await,
        vec![SecurityEventKind::PasswordChanged]
    );

    let wrong = [("email", THERAPIST), ("password", "wrong wrong wrong")];
    for _ in 0..5 {
        app.call("/api/sign-in", &wrong).await;
    }
    assert_eq!(
        notices(&mut laptop).await,
        vec![
            SecurityEventKind::LockedOut,
            SecurityEventKind::PasswordChanged
        ]
    );
    let activity = laptop.fetch("/api/security-events").await;
    let activity: Vec<SecurityEvent> = serde_json::from_str(&activity.body).expect("events");
    assert!(
        activity
            .iter()
            .filter(|e| e.kind == SecurityEventKind::SignedIn)
            .count()
            >= 3
    );
}
