//! Passkeys against the real router and PostgreSQL, with a software
//! authenticator making real P-256 signatures: adding one (and the checks
//! around it), signing in with it alone and as the second step, step-up,
//! a counter turned back (a cloned authenticator), a credential of another
//! practice, removal, the rule that requires passkeys, and an
//! administrator's reset.

use crate::support::{
    TestApp,
    app::{Browser, Reply},
    authenticator::SoftPasskey,
    records::{OTHER_ADMIN, other_practice_admin, user_id},
};
use app::{
    backend::{
        db::schema::{audit_events, passkeys, security_events},
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{PasskeyOverview, RecoveryCodes, Visitor},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

const PATIENT: &str = "avery.quinn@patients.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const ADMIN: &str = "admin@juniper-creek.example";
const COLLEAGUE: &str = "second.admin@juniper-creek.example";
/// Browsers allow passkeys only on a domain name.
const ON_A_DOMAIN: (&str, &str) = ("CAIRN_PUBLIC_URL", "http://localhost:3000");

fn error_of(reply: &Reply) -> AppError {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("an AppError: {}", reply.body))
}

async fn step_up_with_password(browser: &mut Browser) {
    let reply = browser
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// Adds a passkey named `name` for the signed-in browser (whose second
/// factor is fresh); answers it and the first recovery codes, if given.
async fn add(
    app: &TestApp,
    browser: &mut Browser,
    name: &str,
) -> (SoftPasskey, Option<RecoveryCodes>) {
    let reply = browser
        .call("/api/passkey-add-begin", &[("name", name)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let challenge: CreationChallengeResponse = from_text(&reply);
    let (passkey, credential) = SoftPasskey::register(&challenge, &app.origin);
    let reply = browser
        .call("/api/passkey-add-finish", &[("credential", &credential)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (_, codes): (String, Option<RecoveryCodes>) =
        serde_json::from_str(&reply.body).expect("added");
    (passkey, codes)
}

/// Begins a ceremony at `begin` and answers it with `passkey` (its
/// counter moved on); answers the finish's reply.
async fn prove(browser: &mut Browser, begin: &str, passkey: &mut SoftPasskey) -> Reply {
    let challenge = challenge(browser, begin).await;
    let credential = passkey.answer(&challenge);
    browser
        .call("/api/passkey-finish", &[("credential", &credential)])
        .await
}

async fn challenge(browser: &mut Browser, begin: &str) -> RequestChallengeResponse {
    let reply = browser.call(begin, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    from_text(&reply)
}

/// A challenge: the server function answers its JSON as text.
fn from_text<T: serde::de::DeserializeOwned>(reply: &Reply) -> T {
    let text: String = serde_json::from_str(&reply.body).expect("text");
    serde_json::from_str(&text).expect("challenge")
}

async fn kinds(app: &TestApp, email: &str) -> Vec<String> {
    let mut conn = app.db.conn().await;
    let id = user_id(&mut conn, email).await;
    security_events::table
        .filter(security_events::user_id.eq(id))
        .order(security_events::created_at)
        .select(security_events::kind)
        .load::<String>(&mut conn)
        .await
        .expect("events")
}

async fn audited(app: &TestApp, action: &str, outcome: &str) -> i64 {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::outcome.eq(outcome))
        .count()
        .get_result(&mut app.db.conn().await)
        .await
        .expect("count")
}

/// Adds the administrator `email` to the practice of `of`; answers the
/// id of `of`.
async fn colleague_of(app: &TestApp, of: &str, email: &str) -> uuid::Uuid {
    use app::backend::{
        db::schema::users,
        identity::accounts::{NewAccount, create_with_password},
    };
    let mut conn = app.db.conn().await;
    let id = user_id(&mut conn, of).await;
    let practice: uuid::Uuid = users::table
        .find(id)
        .select(users::organization_id)
        .first(&mut conn)
        .await
        .expect("practice");
    let account = NewAccount {
        email: email.to_owned(),
        display_name: "Second Admin".to_owned(),
        role: app::model::Role::Admin,
        password: DEMO_PASSWORD.to_owned(),
    };
    create_with_password(
        &mut conn,
        &app.state.passwords,
        &app.state.vault,
        practice,
        account,
    )
    .await
    .expect("colleague");
    id
}

/// The step-up window of `email`'s sessions has passed.
async fn step_up_expired(app: &TestApp, email: &str) {
    let mut conn = app.db.conn().await;
    let id = user_id(&mut conn, email).await;
    diesel::sql_query(
        "UPDATE sessions SET data = jsonb_set(data, '{signed_in,mfa_at}', 'null') WHERE user_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut conn)
    .await
    .expect("forget the step-up");
}

#[tokio::test]
async fn a_patient_adds_a_passkey_and_signs_in_with_it_alone() {
    let app = TestApp::with_demo_and(&[ON_A_DOMAIN]).await;
    let mut avery = app.signed_in(PATIENT).await;
    // Adding one needs a fresh confirmation (the password, for a patient
    // without two-step), and a name.
    let reply = avery
        .call("/api/passkey-add-begin", &[("name", "Phone")])
        .await;
    assert_eq!(error_of(&reply), AppError::StepUpRequired);
    step_up_with_password(&mut avery).await;
    let reply = avery
        .call("/api/passkey-add-begin", &[("name", "  ")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&reply).field("name").is_some(), "{}", reply.body);
    let (mut phone, codes) = add(&app, &mut avery, "Phone").await;
    assert_eq!(codes.map(|c| c.0.len()), Some(10), "first recovery codes");
    let overview: PasskeyOverview =
        serde_json::from_str(&avery.fetch("/api/passkeys").await.body).expect("overview");
    assert!(overview.available && !overview.required);
    assert_eq!(overview.passkeys.len(), 1);
    assert_eq!(overview.passkeys[0].name, "Phone");
    assert_eq!(overview.passkeys[0].used_secs_ago, None);

    // On another device, the passkey alone signs her in.
    let mut elsewhere = app.browser();
    let reply = prove(&mut elsewhere, "/api/passkey-sign-in-begin", &mut phone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let visitor: Visitor = elsewhere.visitor().await;
    assert_eq!(
        visitor.user.map(|u| u.role),
        Some(app::model::Role::Patient)
    );
    // Its reply answers one challenge: sent again, there is none to answer.
    let challenge = challenge(&mut app.browser(), "/api/passkey-sign-in-begin").await;
    let credential = phone.answer(&challenge);
    let mut replayer = app.browser();
    let reply = replayer
        .call("/api/passkey-finish", &[("credential", &credential)])
        .await;
    assert_eq!(error_of(&reply), AppError::BadRequest);

    let seen = kinds(&app, PATIENT).await;
    assert!(
        seen.contains(&"passkey_added".to_owned()) && seen.contains(&"passkey_used".to_owned()),
        "{seen:?}"
    );
    assert_eq!(audited(&app, "passkey.added", "allowed").await, 1);
    assert_eq!(audited(&app, "passkey.used", "allowed").await, 1);

    // With a passkey, her password alone no longer signs her in: the
    // passkey is asked for next.
    let mut again = app.browser();
    let reply = again.submit_sign_in(PATIENT, DEMO_PASSWORD).await;
    assert_eq!(reply.header("location"), Some("/sign-in/code"), "{reply:?}");
    assert!(again.visitor().await.user.is_none());
    let reply = prove(&mut again, "/api/passkey-confirm-begin", &mut phone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(again.visitor().await.user.is_some());
}

#[tokio::test]
async fn step_up_a_cloned_authenticator_and_removal() {
    let app = TestApp::with_demo_and(&[ON_A_DOMAIN]).await;
    let mut rowan = app.signed_in(THERAPIST).await;
    step_up_with_password(&mut rowan).await;
    let (mut laptop, _) = add(&app, &mut rowan, "Laptop").await;

    // Step-up with the passkey once the window has passed.
    step_up_expired(&app, THERAPIST).await;
    let listed: PasskeyOverview =
        serde_json::from_str(&rowan.fetch("/api/passkeys").await.body).expect("overview");
    let id = listed.passkeys[0].id.to_string();
    let reply = rowan.call("/api/passkey-remove", &[("id", &id)]).await;
    assert_eq!(error_of(&reply), AppError::StepUpRequired);
    let reply = prove(&mut rowan, "/api/passkey-confirm-begin", &mut laptop).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // A clone answers with a counter the server has already seen: refused
    // and recorded, and nobody is signed in.
    let mut clone = app.browser();
    let challenge = challenge(&mut clone, "/api/passkey-sign-in-begin").await;
    let credential = laptop.answer_as_is(&challenge);
    let reply = clone
        .call("/api/passkey-finish", &[("credential", &credential)])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(error_of(&reply).field("passkey").is_some());
    assert!(clone.visitor().await.user.is_none());
    assert!(
        kinds(&app, THERAPIST)
            .await
            .contains(&"passkey_refused".to_owned())
    );
    assert_eq!(audited(&app, "passkey.refused", "denied").await, 1);

    // Removal, with the fresh confirmation the passkey gave: gone, and
    // it no longer signs anyone in.
    let reply = rowan.call("/api/passkey-remove", &[("id", &id)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = rowan.call("/api/passkey-remove", &[("id", &id)]).await;
    assert_eq!(error_of(&reply), AppError::NotFound);
    assert!(
        kinds(&app, THERAPIST)
            .await
            .contains(&"passkey_removed".to_owned())
    );
    let reply = prove(
        &mut app.browser(),
        "/api/passkey-sign-in-begin",
        &mut laptop,
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        audited(&app, "passkey.refused", "denied").await,
        2,
        "an unknown credential"
    );
}

#[tokio::test]
async fn a_passkey_of_another_account_or_practice_proves_nobody_else() {
    let app = TestApp::with_demo_and(&[ON_A_DOMAIN]).await;
    other_practice_admin(&mut app.db.conn().await, &app.state).await;
    let mut theirs = app.signed_in(OTHER_ADMIN).await;
    step_up_with_password(&mut theirs).await;
    let (mut their_key, _) = add(&app, &mut theirs, "Their key").await;

    // Our administrator's step-up, answered with the other practice's key.
    let mut ours = app.signed_in(ADMIN).await;
    let challenge_reply = ours.call("/api/passkey-confirm-begin", &[]).await;
    assert_eq!(
        challenge_reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no passkey of her own yet"
    );
    step_up_with_password(&mut ours).await;
    let (_, _) = add(&app, &mut ours, "Our key").await;
    step_up_expired(&app, ADMIN).await;
    let reply = prove(&mut ours, "/api/passkey-confirm-begin", &mut their_key).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = ours
        .call(
            "/api/mfa-reset",
            &[("user_id", &uuid::Uuid::nil().to_string())],
        )
        .await;
    assert_eq!(
        error_of(&reply),
        AppError::StepUpRequired,
        "no step-up was recorded"
    );
    // Both people see it.
    assert!(
        kinds(&app, ADMIN)
            .await
            .contains(&"passkey_refused".to_owned())
    );
    assert!(
        kinds(&app, OTHER_ADMIN)
            .await
            .contains(&"passkey_refused".to_owned())
    );
}

#[tokio::test]
async fn the_passkey_rule_walks_administrators_through_and_a_reset_clears_them() {
    let app =
        TestApp::with_demo_and(&[ON_A_DOMAIN, ("CAIRN_PASSKEY_REQUIRED_ROLES", "admin")]).await;
    let mut admin = app.browser();
    let reply = admin.submit_sign_in(ADMIN, DEMO_PASSWORD).await;
    assert_eq!(
        reply.header("location"),
        Some(app::ui::SETUP_PAGE),
        "{reply:?}"
    );
    assert!(admin.visitor().await.user.expect("signed in").must_enroll);
    let reply = admin.fetch("/api/people").await;
    assert_eq!(error_of(&reply), AppError::EnrollmentRequired);
    let overview: PasskeyOverview =
        serde_json::from_str(&admin.fetch("/api/passkeys").await.body).expect("overview");
    assert!(overview.required);
    // Adding the first needs no step-up here: it is the setup itself.
    let (mut key, codes) = add(&app, &mut admin, "Office key").await;
    let codes = codes.expect("first recovery codes").0;
    assert!(!admin.visitor().await.user.expect("signed in").must_enroll);
    // The only passkey of a role that requires one stays.
    let id = app::backend::db::schema::passkeys::table
        .select(passkeys::id)
        .first::<uuid::Uuid>(&mut app.db.conn().await)
        .await
        .expect("id")
        .to_string();
    let reply = admin.call("/api/passkey-remove", &[("id", &id)]).await;
    assert!(
        error_of(&reply).field("passkey").is_some(),
        "{}",
        reply.body
    );

    // Next time: the password, then the passkey; a lost device's recovery
    // code still works.
    let mut next = app.browser();
    next.submit_sign_in(ADMIN, DEMO_PASSWORD).await;
    let reply = prove(&mut next, "/api/passkey-confirm-begin", &mut key).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut lost = app.browser();
    lost.submit_sign_in(ADMIN, DEMO_PASSWORD).await;
    let reply = lost.call("/api/sign-in-code", &[("code", &codes[0])]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Another administrator resets her second factors (recorded, with
    // their own step-up): her passkey is gone.
    let target = colleague_of(&app, ADMIN, COLLEAGUE).await;
    let mut colleague = app.browser();
    colleague.submit_sign_in(COLLEAGUE, DEMO_PASSWORD).await;
    add(&app, &mut colleague, "Colleague's key").await;
    let reply = colleague
        .call("/api/mfa-reset", &[("user_id", &target.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let left: i64 = passkeys::table
        .filter(passkeys::user_id.eq(target))
        .count()
        .get_result(&mut app.db.conn().await)
        .await
        .expect("count");
    assert_eq!(left, 0);
    assert!(kinds(&app, ADMIN).await.contains(&"mfa_reset".to_owned()));
}
