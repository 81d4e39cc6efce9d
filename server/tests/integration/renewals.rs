//! The authorization matrix for invitations: everyone renewing a pending
//! invitation of every role, asking for that role and for another.
//!
//! A renewal is decided on the account as stored: only someone who may
//! invite the pending account's role renews it, only with that role, and
//! each attempt leaves its event (allowed or denied) naming who asked. A
//! refused attempt changes nothing: the role stays and the pending link
//! still works.

use crate::support::{
    TestApp,
    app::Browser,
    records::{OTHER_ADMIN, other_practice_admin, user_id as id_of},
};
use app::{
    backend::db::schema::{audit_events, users},
    model::{
        InvitationLink, Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Patient,
    Therapist,
    Admin,
    AdminOfAnotherPractice,
}

/// What an attempt gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 401, nothing recorded (no one is signed in).
    SignIn,
    /// 403: the role never invites (recorded).
    Forbidden,
    /// 422 with a message, recorded as denied; nothing changes.
    Refused,
    /// A new link for the pending account (the old one stops working).
    Renewed,
    /// A new account in the asker's own practice; the pending one is not
    /// touched.
    OwnPractice,
}

/// The expected answer for `who` renewing a pending `stored` invitation,
/// asking for `asked`.
fn expected(who: Who, stored: Role, asked: Role) -> Answer {
    match who {
        Who::Anonymous => Answer::SignIn,
        Who::Patient => Answer::Forbidden,
        Who::AdminOfAnotherPractice => Answer::OwnPractice,
        Who::Therapist if stored == Role::Patient && asked == Role::Patient => Answer::Renewed,
        Who::Therapist => Answer::Refused,
        Who::Admin if stored == asked => Answer::Renewed,
        Who::Admin => Answer::Refused,
    }
}

async fn invite(browser: &mut Browser, email: &str, role: Role) -> crate::support::app::Reply {
    browser
        .call(
            "/api/invite",
            &[
                ("email", email),
                ("display_name", "Pending Person"),
                ("role", role.as_str()),
            ],
        )
        .await
}

fn token_of(reply: &crate::support::app::Reply) -> String {
    let link: InvitationLink = serde_json::from_str(&reply.body).expect("link");
    link.url
        .rsplit_once("/invite/")
        .map(|(_, token)| token.to_owned())
        .expect("token in link")
}

/// Whether `token` still leads to a usable invitation.
async fn usable(app: &TestApp, token: &str) -> bool {
    let reply = app
        .browser()
        .fetch(&format!("/api/invitation?token={token}"))
        .await;
    reply.status == StatusCode::OK
}

/// The newest event: (id, actor, action, outcome).
async fn newest(conn: &mut AsyncPgConnection) -> (i64, Option<Uuid>, AuditAction, AuditOutcome) {
    audit_events::table
        .order(audit_events::id.desc())
        .select((
            audit_events::id,
            audit_events::actor_id,
            audit_events::action,
            audit_events::outcome,
        ))
        .first(conn)
        .await
        .expect("an event")
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_renewing_every_pending_invitation_is_answered_on_the_stored_role_and_recorded() {
    // Dozens of attempts from one (test) address: limits are not the point.
    let app = TestApp::with_demo_and(&[
        ("CAIRN_SENSITIVE_LIMIT", "10000"),
        ("CAIRN_RATE_LIMIT_PER_MINUTE", "100000"),
    ])
    .await;
    let mut conn = app.db.conn().await;
    let (other, _) = other_practice_admin(&mut conn, &app.state).await;

    let mut people: Vec<(Who, Browser, Option<Uuid>)> = Vec::new();
    for (who, email) in [
        (Who::Anonymous, None),
        (Who::Patient, Some(PATIENT)),
        (Who::Therapist, Some(THERAPIST)),
        (Who::Admin, Some(ADMIN)),
        (Who::AdminOfAnotherPractice, Some(OTHER_ADMIN)),
    ] {
        let browser = match email {
            Some(email) => app.signed_in(email).await,
            None => app.browser(),
        };
        let id = match email {
            Some(email) => Some(id_of(&mut conn, email).await),
            None => None,
        };
        people.push((who, browser, id));
    }

    let mut checked = 0;
    for stored in Role::ALL.iter().copied() {
        for asked in Role::ALL.iter().copied() {
            // A fresh pending invitation of `stored`, by the administrator.
            let email = format!("pending.{stored}.{asked}@juniper-creek.example");
            let (_, admin, _) = people
                .iter_mut()
                .find(|(w, ..)| *w == Who::Admin)
                .expect("admin");
            let reply = invite(admin, &email, stored).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let mut token = token_of(&reply);
            let pending = users::table
                .filter(crate::support::records::email_is(&email))
                .filter(users::organization_id.ne(other))
                .select(users::id)
                .first::<Uuid>(&mut conn)
                .await
                .expect("the pending account");

            // Refusals first, then the renewals (which retire the link).
            let mut order: Vec<usize> = (0..people.len()).collect();
            order.sort_by_key(|&i| expected(people[i].0, stored, asked) == Answer::Renewed);
            for i in order {
                let (who, browser, id) = &mut people[i];
                let (who, id) = (*who, *id);
                let answer = expected(who, stored, asked);
                let case = format!("{who:?} renewing a pending {stored} asking for {asked}");
                let (before, ..) = newest(&mut conn).await;
                let reply = invite(browser, &email, asked).await;
                let status = match answer {
                    Answer::SignIn => StatusCode::UNAUTHORIZED,
                    Answer::Forbidden => StatusCode::FORBIDDEN,
                    Answer::Refused => StatusCode::UNPROCESSABLE_ENTITY,
                    Answer::Renewed | Answer::OwnPractice => StatusCode::OK,
                };
                assert_eq!(reply.status, status, "{case}: {}", reply.body);

                // The stored role never changes.
                let role: Role = users::table
                    .find(pending)
                    .select(users::role)
                    .first(&mut conn)
                    .await
                    .expect("role");
                assert_eq!(role, stored, "{case}: the role is kept");

                // The event, naming who asked.
                let (after, actor, action, outcome) = newest(&mut conn).await;
                if answer == Answer::SignIn {
                    assert_eq!(after, before, "{case}: nothing to record");
                } else {
                    assert!(after > before, "{case}: left no event");
                    assert_eq!(actor, id, "{case}: the event names them");
                    let want = match answer {
                        Answer::Renewed => (AuditAction::InvitationRenewed, AuditOutcome::Allowed),
                        Answer::OwnPractice => {
                            (AuditAction::InvitationIssued, AuditOutcome::Allowed)
                        }
                        Answer::Forbidden => (AuditAction::AccessDenied, AuditOutcome::Denied),
                        _ => (action, AuditOutcome::Denied),
                    };
                    assert_eq!((action, outcome), want, "{case}");
                }

                // The link: a renewal retires the old one; nothing else does.
                if answer == Answer::Renewed {
                    assert!(!usable(&app, &token).await, "{case}: the old link stops");
                    token = token_of(&reply);
                }
                assert!(usable(&app, &token).await, "{case}: a pending link works");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_therapist_cannot_take_over_a_pending_administrator_invitation() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let email = "new.admin@juniper-creek.example";
    let reply = invite(&mut admin, email, Role::Admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = token_of(&reply);

    let mut rowan = app.signed_in(THERAPIST).await;
    let reply = invite(&mut rowan, email, Role::Patient).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("already has an account"),
        "{}",
        reply.body
    );
    assert!(!reply.body.contains("/invite/"), "no link is handed out");
    assert!(
        usable(&app, &token).await,
        "the administrator's link still works"
    );
}
