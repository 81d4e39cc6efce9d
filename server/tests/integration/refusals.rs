//! Every refusal of a signed-in caller is in the trail, whatever the
//! server function and however it refused (a policy check, or an account
//! of another practice reading as not found), and none is recorded twice.

use crate::support::{
    TestApp,
    app::Browser,
    records::{OTHER_ADMIN, other_practice_admin, user_id as id_of},
};
use app::{
    backend::db::schema::audit_events,
    model::audit::{AuditAction, AuditOutcome},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";

type Recorded = (Option<Uuid>, AuditAction, AuditOutcome, Option<String>);

/// The events after `after`, oldest first.
async fn since(conn: &mut AsyncPgConnection, after: i64) -> Vec<Recorded> {
    audit_events::table
        .filter(audit_events::id.gt(after))
        .order(audit_events::id)
        .select((
            audit_events::actor_id,
            audit_events::action,
            audit_events::outcome,
            audit_events::resource_id,
        ))
        .load(conn)
        .await
        .expect("events")
}

async fn last_id(conn: &mut AsyncPgConnection) -> i64 {
    audit_events::table
        .select(diesel::dsl::max(audit_events::id))
        .first::<Option<i64>>(conn)
        .await
        .expect("max")
        .unwrap_or(0)
}

/// Calls `path` with `form` and asserts the answer is `status` and that
/// exactly one event was added: a denial naming `actor` and the endpoint.
async fn refused_once(
    app: &TestApp,
    browser: &mut Browser,
    actor: Uuid,
    path: &str,
    form: &[(&str, &str)],
    status: StatusCode,
) {
    let mut conn = app.db.conn().await;
    let before = last_id(&mut conn).await;
    let reply = browser.call(path, form).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    let endpoint = path.trim_start_matches("/api/").to_owned();
    assert_eq!(
        since(&mut conn, before).await,
        vec![(
            Some(actor),
            AuditAction::AccessDenied,
            AuditOutcome::Denied,
            Some(endpoint)
        )],
        "{path}: one refusal recorded, naming them"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_of_accounts_in_another_practice_are_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (_, them) = other_practice_admin(&mut conn, &app.state).await;
    let rowan = id_of(&mut conn, THERAPIST).await.to_string();
    let mut admin = app.signed_in(OTHER_ADMIN).await;
    // A fresh second factor, so mfa-reset gets as far as the account.
    crate::mfa::enroll(&mut admin).await;

    for action in ["unlock", "deactivate", "end-sessions"] {
        refused_once(
            &app,
            &mut admin,
            them,
            "/api/account-action",
            &[("user_id", &rowan), ("action", action)],
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    refused_once(
        &app,
        &mut admin,
        them,
        "/api/mfa-reset",
        &[("user_id", &rowan)],
        StatusCode::NOT_FOUND,
    )
    .await;
    // Nobody at all, too.
    refused_once(
        &app,
        &mut admin,
        them,
        "/api/account-action",
        &[
            ("user_id", &Uuid::new_v4().to_string()),
            ("action", "unlock"),
        ],
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_the_policy_recorded_is_not_recorded_again() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = id_of(&mut conn, PATIENT).await;
    let rowan = id_of(&mut conn, THERAPIST).await.to_string();
    let mut patient = app.signed_in(PATIENT).await;
    for (path, form) in [
        (
            "/api/account-action",
            vec![("user_id", rowan.as_str()), ("action", "unlock")],
        ),
        ("/api/mfa-reset", vec![("user_id", rowan.as_str())]),
    ] {
        refused_once(
            &app,
            &mut patient,
            avery,
            path,
            &form,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}
