//! The access review against real PostgreSQL, through the full router:
//! what flows record, that nothing typed or secret reaches the trail, the
//! access log's filters and keyset pages, the CSV export, verify-now, the
//! refusals (recorded) for everyone but administrators. A person's own
//! "who accessed my record" is in `own_access.rs`.

use crate::support::TestApp;
use app::{
    backend::{
        audit::{self, Actor, Event, Origin, review},
        db::schema::{audit_events, users},
        identity::authz::Admin,
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, AuditPage, AuditQuery, ChainStatus},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use std::collections::BTreeSet;
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";

async fn account(conn: &mut AsyncPgConnection, email: &str) -> (Uuid, Uuid) {
    users::table
        .filter(crate::support::records::email_is(email))
        .select((users::id, users::organization_id))
        .first(conn)
        .await
        .expect("demo account")
}

/// Events of `action`: (actor, subject, organization, reason).
async fn recorded(
    conn: &mut AsyncPgConnection,
    action: AuditAction,
) -> Vec<(Option<Uuid>, Option<Uuid>, Option<Uuid>, Option<String>)> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .order(audit_events::id)
        .select((
            audit_events::actor_id,
            audit_events::subject_user_id,
            audit_events::organization_id,
            audit_events::reason,
        ))
        .load(conn)
        .await
        .expect("audit events")
}

/// The access log URL as the browser's server function call builds it
/// (the browser sends every field, empty or not).
fn log_url(pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("query[{k}]={v}"))
        .collect();
    format!("/api/audit-log?{}", query.join("&"))
}

#[tokio::test]
async fn sign_ins_are_recorded_and_nothing_typed_or_secret_reaches_the_trail() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (admin_id, practice) = account(&mut conn, ADMIN).await;
    let typed_password = "Correct-Horse-Typed-Secret";
    let typed_email = "my-password-by-mistake@nowhere.example";

    let mut stranger = app.browser();
    stranger
        .call(
            "/api/sign-in",
            &[("email", ADMIN), ("password", typed_password)],
        )
        .await;
    stranger
        .call(
            "/api/sign-in",
            &[("email", typed_email), ("password", typed_password)],
        )
        .await;
    let mut admin = app.signed_in(ADMIN).await;
    let token = admin.csrf_token().await;
    let cookie = admin.session_cookie().expect("session cookie").to_owned();
    let invited = admin
        .call(
            "/api/invite",
            &[
                ("email", "sol.marsh@patients.example"),
                ("display_name", "Sol Marsh"),
                ("role", "patient"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let link = invited.body.clone();

    let failures = recorded(&mut conn, AuditAction::SignInFailed).await;
    assert_eq!(
        failures,
        vec![
            (
                None,
                Some(admin_id),
                Some(practice),
                Some("wrong password".to_owned())
            ),
            (
                None,
                None,
                Some(practice),
                Some("no such account".to_owned())
            ),
        ]
    );
    let successes = recorded(&mut conn, AuditAction::SignInSucceeded).await;
    assert_eq!(
        successes,
        vec![(Some(admin_id), Some(admin_id), Some(practice), None)]
    );
    assert_eq!(
        recorded(&mut conn, AuditAction::InvitationIssued)
            .await
            .len(),
        1
    );

    // Everything the trail holds, as text: no password, typed email,
    // session id, CSRF token, invitation link, or the invited patient's
    // name and email.
    let everything = crate::support::db::rows_as_text(
        &mut conn,
        "SELECT row_to_json(audit_events)::text AS row FROM audit_events",
    )
    .await;
    let everything = everything.join("\n");
    let token_in_link = link
        .rsplit_once("/invite/")
        .map(|(_, t)| t.trim_end_matches(['"', '}']).to_owned())
        .expect("link");
    for secret in [
        typed_password,
        typed_email,
        DEMO_PASSWORD,
        cookie.as_str(),
        token.as_str(),
        token_in_link.as_str(),
        "Sol Marsh",
        "sol.marsh@patients.example",
    ] {
        assert!(!everything.contains(secret), "the trail holds {secret:?}");
    }
}

#[tokio::test]
async fn the_access_log_pages_through_every_event_exactly_once() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (admin_id, practice) = account(&mut conn, ADMIN).await;
    let (therapist_id, _) = account(&mut conn, THERAPIST).await;
    for n in 0..137_u32 {
        let event = Event::new(
            AuditAction::RecordViewed,
            AuditOutcome::Allowed,
            Actor::Person {
                user_id: therapist_id,
                organization_id: practice,
                role: Role::Therapist,
            },
            Origin::default(),
        )
        .on("note", n);
        audit::record(&mut conn, event).await.expect("record");
    }
    let admin = Admin {
        user_id: admin_id,
        organization_id: practice,
    };
    let mut query = AuditQuery {
        action: "record.viewed".to_owned(),
        ..AuditQuery::default()
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let utc = app::backend::dates::Zone::utc();
        let filter = review::filter(&mut conn, admin, &query, &utc)
            .await
            .expect("filter");
        let page = review::page(&mut conn, &app.state.vault, admin, &filter, &utc)
            .await
            .expect("page");
        pages += 1;
        seen.extend(page.rows.iter().map(|row| row.id));
        match page.next_before {
            Some(before) => query.before = before.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 137);
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        137,
        "no event twice"
    );
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[tokio::test]
async fn filters_narrow_the_log_and_a_bad_filter_is_named() {
    let app = TestApp::with_demo().await;
    let mut stranger = app.browser();
    stranger
        .call(
            "/api/sign-in",
            &[("email", THERAPIST), ("password", "not it at all")],
        )
        .await;
    let mut admin = app.signed_in(ADMIN).await;

    let reply = admin
        .fetch(&log_url(&[
            ("action", "sign_in.failed"),
            ("outcome", "denied"),
        ]))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: AuditPage = serde_json::from_str(&reply.body).expect("page");
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].action, AuditAction::SignInFailed);
    assert_eq!(
        page.rows[0]
            .subjects
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Dr. Rowan Ellis"]
    );
    assert_eq!(page.next_before, None);

    let reply = admin
        .fetch(&log_url(&[
            ("from", "2026-13-01"),
            ("to", "2020-01-01"),
            ("actor", "00000000-0000-0000-0000-000000000009"),
            ("action", "delete.everything"),
            ("ip", "not-an-ip"),
        ]))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let error: AppError = serde_json::from_str(&reply.body).expect("error");
    for field in ["from", "actor", "action", "ip"] {
        assert!(error.field(field).is_some(), "no message for {field}");
    }
    let reply = admin
        .fetch(&log_url(&[("from", "2026-11-30"), ("to", "2026-11-01")]))
        .await;
    let error: AppError = serde_json::from_str(&reply.body).expect("error");
    assert_eq!(
        error.field("to").as_deref(),
        Some("The end date is before the start date.")
    );
}

#[tokio::test]
async fn only_administrators_reach_the_review_and_every_refusal_is_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    for email in [THERAPIST, PATIENT] {
        let (id, _) = account(&mut conn, email).await;
        let mut browser = app.signed_in(email).await;
        for path in [
            log_url(&[("from", "")]),
            "/api/audit-overview?period=7d".to_owned(),
            "/api/audit-chain".to_owned(),
            "/api/audit-alerts".to_owned(),
            "/admin/audit/export.csv".to_owned(),
        ] {
            let reply = browser.fetch(&path).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email} {path}");
        }
        let reply = browser.call("/api/audit-verify", &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email} verify");
        let reply = browser
            .call(
                "/api/audit-alert-review",
                &[
                    ("alert", "failed_sign_ins.ip:1"),
                    ("through", "1"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email} review");
        let refusals: Vec<Option<String>> = audit_events::table
            .filter(audit_events::action.eq(AuditAction::AccessDenied))
            .filter(audit_events::actor_id.eq(id))
            .filter(audit_events::outcome.eq(AuditOutcome::Denied))
            .order(audit_events::id)
            .select(audit_events::resource_id)
            .load(&mut conn)
            .await
            .expect("refusals");
        assert_eq!(
            refusals,
            [
                "audit-log",
                "audit-overview",
                "audit-chain",
                "audit-alerts",
                "audit-export",
                "audit-verify",
                "audit-alert-review"
            ]
            .map(|s| Some(s.to_owned()))
            .to_vec(),
            "{email}"
        );
    }
    let mut nobody = app.browser();
    let reply = nobody.fetch(&log_url(&[("from", "")])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_export_is_csv_of_the_filtered_events_and_is_itself_recorded() {
    let app = TestApp::with_demo().await;
    let mut stranger = app.browser();
    stranger
        .fail_sign_in(THERAPIST, "=cmd|' /C calc'!A0", 2)
        .await;
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin
        .get("/admin/audit/export.csv?action=sign_in.failed&period=7d")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment"))
    );
    let lines: Vec<&str> = reply.body.lines().collect();
    assert!(lines[0].starts_with("id,time_utc,actor,"));
    assert_eq!(lines.len(), 3, "{}", reply.body);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains("sign_in.failed") && l.contains("Dr. Rowan Ellis"))
    );

    let mut conn = app.db.conn().await;
    let exports = recorded(&mut conn, AuditAction::AuditExported).await;
    assert_eq!(exports.len(), 1);
    let bad = admin.get("/admin/audit/export.csv?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        recorded(&mut conn, AuditAction::AuditExported).await.len(),
        1
    );
}

#[tokio::test]
async fn verify_now_checks_the_chain_and_records_that_it_did() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let before: ChainStatus =
        serde_json::from_str(&admin.fetch("/api/audit-chain").await.body).expect("status");
    assert_eq!(before.last, None);
    let reply = admin.call("/api/audit-verify", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after: ChainStatus = serde_json::from_str(&reply.body).expect("status");
    let last = after.last.expect("a verification");
    assert!(last.intact);
    assert!(last.events >= 1);
    let mut conn = app.db.conn().await;
    assert_eq!(
        recorded(&mut conn, AuditAction::AuditVerified).await.len(),
        1
    );
}
