//! Two-step verification against the real router and PostgreSQL:
//! enrollment, forced enrollment for staff, the code prompt at sign-in and
//! its limits, recovery codes, and step-up enforced by the server.

use crate::support::{TestApp, app::Browser};
use app::{
    backend::{
        db::schema::{mfa_factors, recovery_codes, users},
        identity::mfa::totp::TotpSecret,
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{MfaOverview, MfaSetup, RecoveryCodes, SecondFactorOutcome},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const ADMIN: &str = "admin@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";
/// Staff must use two-step verification: the production rule.
const STAFF_REQUIRED: &[(&str, &str)] = &[("CAIRN_MFA_REQUIRED_ROLES", "admin,therapist")];

fn now() -> u64 {
    app::backend::identity::mfa::totp::now_secs()
}

/// Waits until at least 6 s remain in this 30-second step, so codes worked
/// out now are still for the same steps when the server checks them.
async fn fresh_step() {
    let left = 30 - now() % 30;
    if left < 6 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

fn error_of(body: &str) -> AppError {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("an AppError: {body}"))
}

async fn overview(browser: &mut Browser) -> MfaOverview {
    let reply = browser.fetch("/api/mfa-overview").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("overview")
}

/// Sets up two-step verification for the signed-in browser with the code
/// of the step before now; returns the secret and the recovery codes.
pub(crate) async fn enroll(browser: &mut Browser) -> (TotpSecret, Vec<String>) {
    let reply = browser.fetch("/api/mfa-setup").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let setup: MfaSetup = serde_json::from_str(&reply.body).expect("setup");
    let secret = TotpSecret::from_base32(&setup.secret_text).expect("base32 secret");
    fresh_step().await;
    let reply = browser
        .call("/api/mfa-confirm", &[("code", &secret.code_at(now() - 30))])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let RecoveryCodes(codes) = serde_json::from_str(&reply.body).expect("codes");
    (secret, codes)
}

/// Signs `email` in on a browser of its own and sets up two-step
/// verification there.
async fn enrolled(app: &TestApp, email: &str) -> (TotpSecret, Vec<String>) {
    let mut browser = app.browser();
    browser.sign_in(email, DEMO_PASSWORD).await;
    enroll(&mut browser).await
}

async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    let mut conn = app.db.conn().await;
    users::table
        .filter(crate::support::records::email_is(email))
        .select(users::id)
        .first(&mut conn)
        .await
        .expect("user")
}

async fn has_factor(app: &TestApp, email: &str) -> bool {
    let id = user_id(app, email).await;
    let mut conn = app.db.conn().await;
    mfa_factors::table
        .find(id)
        .count()
        .get_result::<i64>(&mut conn)
        .await
        .expect("count")
        == 1
}

#[tokio::test(flavor = "multi_thread")]
async fn enrollment_needs_a_right_code_and_gives_ten_recovery_codes_once() {
    let app = TestApp::with_demo().await;
    let mut browser = app.browser();
    browser.sign_in(PATIENT, DEMO_PASSWORD).await;
    let before = overview(&mut browser).await.status;
    assert!(!before.enrolled);
    assert_eq!(before.recovery_codes_made_secs_ago, None);

    let first: MfaSetup =
        serde_json::from_str(&browser.fetch("/api/mfa-setup").await.body).expect("setup");
    let again: MfaSetup =
        serde_json::from_str(&browser.fetch("/api/mfa-setup").await.body).expect("setup");
    assert_eq!(
        first.secret_text, again.secret_text,
        "a reload shows the same key"
    );
    assert!(first.qr_png_base64.starts_with("iVBOR"));

    for bad in ["12345", "abcdef", "000000"] {
        let reply = browser.call("/api/mfa-confirm", &[("code", bad)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(error_of(&reply.body).field("code").is_some());
    }
    assert!(!has_factor(&app, PATIENT).await, "nothing active yet");

    let secret = TotpSecret::from_base32(&first.secret_text).expect("secret");
    fresh_step().await;
    let reply = browser
        .call("/api/mfa-confirm", &[("code", &secret.code_at(now()))])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let RecoveryCodes(codes) = serde_json::from_str(&reply.body).expect("codes");
    assert_eq!(codes.len(), 10);
    let status = overview(&mut browser).await;
    assert!(status.status.enrolled && !status.required);
    assert_eq!(status.status.recovery_codes_left, 10);
    assert!(
        status
            .status
            .recovery_codes_made_secs_ago
            .is_some_and(|secs| secs < 60)
    );

    // The codes' age is shown (a person sees when they last made them).
    let mut conn = app.db.conn().await;
    let month_ago = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    diesel::update(recovery_codes::table)
        .set(recovery_codes::created_at.eq(month_ago))
        .execute(&mut conn)
        .await
        .expect("aged");
    let made = overview(&mut browser)
        .await
        .status
        .recovery_codes_made_secs_ago;
    assert!(made.is_some_and(|secs| (30 * 86_400..31 * 86_400).contains(&secs)));

    // The database holds neither the secret nor a code in the clear.
    let sealed: Vec<u8> = mfa_factors::table
        .select(mfa_factors::secret_sealed)
        .first(&mut conn)
        .await
        .expect("factor");
    assert!(!sealed.windows(20).any(|w| w == secret.as_bytes()));
    let hashes: Vec<String> = app::backend::db::schema::recovery_codes::table
        .select(app::backend::db::schema::recovery_codes::code_hash)
        .load(&mut conn)
        .await
        .expect("hashes");
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
    assert!(
        !hashes
            .iter()
            .any(|h| codes.iter().any(|c| h.contains(c.as_str())))
    );

    // Set up twice: refused, nothing changed.
    let reply = browser.fetch("/api/mfa-setup").await;
    assert_eq!(error_of(&reply.body), AppError::MfaAlreadyOn);
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_without_two_step_reach_only_the_setup_until_it_is_done() {
    let app = TestApp::with_demo_and(STAFF_REQUIRED).await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let user = browser.current_user().await.expect("signed in");
    assert!(user.must_enroll);

    let reply = browser.fetch("/api/my-sessions").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&reply.body), AppError::EnrollmentRequired);
    for page in ["/home", "/security", "/people"] {
        let reply = browser.get(page).await;
        assert_eq!(
            reply.header("location"),
            Some("/security/two-step"),
            "{page}"
        );
    }
    assert!(overview(&mut browser).await.required);

    let before = browser.session_cookie().map(str::to_owned);
    enroll(&mut browser).await;
    assert_ne!(
        browser.session_cookie().map(str::to_owned),
        before,
        "new session id"
    );
    assert!(!browser.current_user().await.expect("still in").must_enroll);
    assert_eq!(
        browser.fetch("/api/my-sessions").await.status,
        StatusCode::OK
    );
    assert_eq!(browser.get("/home").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_asks_for_a_code_which_works_once() {
    let app = TestApp::with_demo_and(STAFF_REQUIRED).await;
    let (secret, _) = enrolled(&app, THERAPIST).await;

    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert_eq!(
        browser.current_user().await,
        None,
        "not signed in on a password alone"
    );
    assert_eq!(
        browser.get("/home").await.header("location"),
        Some("/sign-in?reason=required")
    );

    let reply = browser
        .call("/api/sign-in-code", &[("code", "12 34")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = secret.code_at(now());
    let before = browser.session_cookie().map(str::to_owned);
    let reply = browser.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        serde_json::from_str::<SecondFactorOutcome>(&reply.body).expect("outcome"),
        SecondFactorOutcome::SignedIn
    );
    assert_ne!(
        browser.session_cookie().map(str::to_owned),
        before,
        "new session id"
    );
    assert!(browser.current_user().await.is_some());

    // A browser already signed in as someone else is signed out by a
    // password that now waits for its code: never two people at once.
    let mut shared = app.browser();
    shared.sign_in(PATIENT, DEMO_PASSWORD).await;
    shared.sign_in(THERAPIST, DEMO_PASSWORD).await;
    assert_eq!(shared.current_user().await, None);

    // The same code again, from another browser: refused as used.
    let mut replay = app.browser();
    replay.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let reply = replay.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&reply.body)
            .field("code")
            .is_some_and(|m| m.contains("already used")),
        "{}",
        reply.body
    );
    assert_eq!(replay.current_user().await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_codes_void_the_sign_in_and_count_against_the_account() {
    let app = TestApp::with_demo_and(STAFF_REQUIRED).await;
    let (secret, _) = enrolled(&app, THERAPIST).await;

    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let right = secret.code_at(now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for attempt in 1..=4 {
        let reply = browser.call("/api/sign-in-code", &[("code", wrong)]).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}"
        );
    }
    let reply = browser.call("/api/sign-in-code", &[("code", wrong)]).await;
    assert_eq!(error_of(&reply.body), AppError::TooManyCodes);
    // The attempt is void: even the right code no longer signs in.
    let reply = browser.call("/api/sign-in-code", &[("code", &right)]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.current_user().await, None);

    let id = user_id(&app, THERAPIST).await;
    let mut conn = app.db.conn().await;
    let failures = failed_codes(&mut conn, id).await;
    assert_eq!(failures, 5, "every wrong code counts against the account");
}

/// Wrong two-step codes counted against account `id`.
async fn failed_codes(conn: &mut diesel_async::AsyncPgConnection, id: uuid::Uuid) -> i32 {
    users::table
        .find(id)
        .select(users::failed_codes)
        .first(conn)
        .await
        .expect("failures")
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_codes_count_across_sign_ins_and_lock_the_account() {
    let mut settings = STAFF_REQUIRED.to_vec();
    settings.extend([
        ("CAIRN_CODE_LOCKOUT_THRESHOLD", "7"),
        ("CAIRN_SENSITIVE_LIMIT", "1000"),
    ]);
    let app = TestApp::with_demo_and(&settings).await;
    let (secret, _) = enrolled(&app, THERAPIST).await;
    let wrong = |right: &str| {
        if right == "000000" {
            "111111"
        } else {
            "000000"
        }
        .to_owned()
    };

    // Five wrong codes void the first sign-in.
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    for _ in 1..=4 {
        let code = wrong(&secret.code_at(now()));
        let reply = browser.call("/api/sign-in-code", &[("code", &code)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let code = wrong(&secret.code_at(now()));
    let reply = browser.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(error_of(&reply.body), AppError::TooManyCodes);

    // The right password again does not wipe them: two more lock it.
    let mut again = app.browser();
    again.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let code = wrong(&secret.code_at(now()));
    let reply = again.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "sixth");
    let code = wrong(&secret.code_at(now()));
    let reply = again.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(
        error_of(&reply.body),
        AppError::TooManyCodes,
        "seventh locks"
    );

    let id = user_id(&app, THERAPIST).await;
    let mut conn = app.db.conn().await;
    let locked: Option<time::OffsetDateTime> = users::table
        .find(id)
        .select(users::locked_until)
        .first(&mut conn)
        .await
        .expect("lock");
    assert!(locked.is_some_and(|until| until > time::OffsetDateTime::now_utc()));

    // Locked: even the right password is refused, with the usual answer,
    // and the owner is told as for wrong passwords.
    let reply = app
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(error_of(&reply.body), AppError::BadCredentials);
    let notices: i64 = app::backend::db::schema::security_events::table
        .filter(app::backend::db::schema::security_events::user_id.eq(id))
        .filter(app::backend::db::schema::security_events::kind.eq("locked_out"))
        .count()
        .get_result(&mut conn)
        .await
        .expect("notices");
    assert_eq!(notices, 1, "the lock is a security notice");

    // An administrator's unlock lifts it, and a right code clears the count.
    let mut admin = app.signed_in(ADMIN).await;
    crate::mfa::enroll(&mut admin).await;
    let reply = admin
        .call(
            "/api/account-action",
            &[("user_id", &id.to_string()), ("action", "unlock")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut back = app.browser();
    back.sign_in(THERAPIST, DEMO_PASSWORD).await;
    fresh_step().await;
    let code = secret.code_at(now() + 30);
    let reply = back.call("/api/sign-in-code", &[("code", &code)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let failures = failed_codes(&mut conn, id).await;
    assert_eq!(failures, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::with_demo().await;
    let (_, codes) = enrolled(&app, PATIENT).await;

    let mut browser = app.browser();
    browser.sign_in(PATIENT, DEMO_PASSWORD).await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let reply = browser.call("/api/sign-in-code", &[("code", &typed)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        serde_json::from_str::<SecondFactorOutcome>(&reply.body).expect("outcome"),
        SecondFactorOutcome::SignedInWithRecoveryCode { left: 9 }
    );
    assert_eq!(overview(&mut browser).await.status.recovery_codes_left, 9);

    let mut again = app.browser();
    again.sign_in(PATIENT, DEMO_PASSWORD).await;
    let reply = again
        .call("/api/sign-in-code", &[("code", &codes[3])])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.current_user().await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn sensitive_actions_need_a_fresh_second_factor_on_the_server() {
    let app = TestApp::with_demo().await;
    let mut therapist = app.browser();
    therapist.sign_in(THERAPIST, DEMO_PASSWORD).await;
    enroll(&mut therapist).await;
    let target = user_id(&app, THERAPIST).await.to_string();

    // An administrator whose session has no second factor: refused, and
    // nothing changes, however the call is made.
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let reply = admin.call("/api/mfa-reset", &[("user_id", &target)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&reply.body), AppError::StepUpRequired);
    assert!(has_factor(&app, THERAPIST).await);

    // A step-up code for another person's authenticator does not help.
    let reply = admin.call("/api/step-up", &[("code", "123456")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    // With the administrator's own fresh factor it goes through, and the
    // therapist's sessions end.
    enroll(&mut admin).await;
    let reply = admin.call("/api/mfa-reset", &[("user_id", &target)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!has_factor(&app, THERAPIST).await);
    assert_eq!(therapist.current_user().await, None);

    // A therapist may not reset anyone.
    let mut other = app.browser();
    other
        .sign_in("sam.okafor@juniper-creek.example", DEMO_PASSWORD)
        .await;
    enroll(&mut other).await;
    let reply = other.call("/api/mfa-reset", &[("user_id", &target)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&reply.body), AppError::Forbidden);
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_cannot_turn_it_off_and_new_recovery_codes_replace_the_old() {
    let app = TestApp::with_demo_and(STAFF_REQUIRED).await;
    let mut browser = app.browser();
    browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let (_, old) = enroll(&mut browser).await;
    let reply = browser.call("/api/mfa-off", &[]).await;
    assert_eq!(error_of(&reply.body), AppError::MfaRequired);
    assert!(has_factor(&app, THERAPIST).await);

    let reply = browser.call("/api/recovery-codes", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let RecoveryCodes(new) = serde_json::from_str(&reply.body).expect("codes");
    assert_eq!(new.len(), 10);
    let mut later = app.browser();
    later.sign_in(THERAPIST, DEMO_PASSWORD).await;
    let reply = later.call("/api/sign-in-code", &[("code", &old[0])]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "old codes are dead"
    );
    let reply = later.call("/api/sign-in-code", &[("code", &new[0])]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
