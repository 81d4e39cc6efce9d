//! Accounts over time: the last sign-in kept and shown on People, staff
//! accounts unused past the configured days listed and (when configured)
//! deactivated, and the age of invitations (recovery codes': `mfa.rs`).

use crate::support::{TestApp, app::Browser};
use app::{
    backend::{
        db::schema::{audit_events, invitations, users},
        identity::unused::{self, UnusedPolicy},
    },
    model::{InvitationLink, PersonRow, UserStatus},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";
const DAY: i64 = 86_400;

async fn people(admin: &mut Browser) -> Vec<PersonRow> {
    let reply = admin.fetch("/api/people").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("people")
}

fn row<'a>(people: &'a [PersonRow], email: &str) -> &'a PersonRow {
    people
        .iter()
        .find(|p| p.email == email)
        .unwrap_or_else(|| panic!("{email} listed"))
}

/// Makes `email`'s account look as if it last signed in `days` ago (never,
/// with `None`) and had been active for a year.
async fn age(app: &TestApp, email: &str, days: Option<i64>) -> Uuid {
    let now = OffsetDateTime::now_utc();
    let mut conn = app.db.conn().await;
    let id: Uuid = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap_or_else(|_| {
            panic!("{email} has a readable email (staff) or is looked up by index")
        });
    diesel::update(users::table.find(id))
        .set((
            users::last_signed_in_at.eq(days.map(|d| now - Duration::days(d))),
            users::active_since.eq(now - Duration::days(365)),
        ))
        .execute(&mut conn)
        .await
        .expect("aged");
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn people_shows_each_last_sign_in_and_marks_unused_staff() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let listed = people(&mut admin).await;
    let me = row(&listed, ADMIN);
    assert!(me.last_signed_in_secs_ago.is_some_and(|secs| secs < 60));
    assert!(!me.unused);

    age(&app, THERAPIST, Some(50)).await;
    let listed = people(&mut admin).await;
    let therapist = row(&listed, THERAPIST);
    assert!(therapist.unused, "50 days without a sign-in is past 45");
    let secs = therapist.last_signed_in_secs_ago.expect("signed in once");
    assert!((50 * DAY..51 * DAY).contains(&secs), "{secs}");
    // Patients are never counted as unused, however long since.
    let patient = listed
        .iter()
        .find(|p| p.email == PATIENT)
        .expect("patient listed");
    assert!(!patient.unused);

    // Signing in is a use: the account is no longer unused.
    app.signed_in(THERAPIST).await;
    let listed = people(&mut admin).await;
    let therapist = row(&listed, THERAPIST);
    assert!(!therapist.unused);
    assert!(
        therapist
            .last_signed_in_secs_ago
            .is_some_and(|secs| secs < 60)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_days_are_configurable() {
    let app = TestApp::with_demo_and(&[("CAIRN_DORMANT_DAYS", "90")]).await;
    let mut admin = app.signed_in(ADMIN).await;
    age(&app, THERAPIST, Some(50)).await;
    assert!(!row(&people(&mut admin).await, THERAPIST).unused);
    age(&app, THERAPIST, Some(91)).await;
    assert!(row(&people(&mut admin).await, THERAPIST).unused);
}

#[tokio::test(flavor = "multi_thread")]
async fn invitations_show_their_age_and_expiry() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let email = "jordan.blake@juniper-creek.example";
    let reply = admin
        .call(
            "/api/invite",
            &[
                ("email", email),
                ("display_name", "Jordan Blake"),
                ("role", "therapist"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let _: InvitationLink = serde_json::from_str(&reply.body).expect("link");
    let listed = people(&mut admin).await;
    let invited = row(&listed, email);
    assert_eq!(invited.status, UserStatus::Invited);
    let sent = invited.invitation.expect("pending invitation");
    assert!(sent.sent_secs_ago < 60 && !sent.expired);
    assert_eq!(invited.last_signed_in_secs_ago, None);
    assert!(!invited.unused, "an invitation is not an unused account");

    let now = OffsetDateTime::now_utc();
    diesel::update(invitations::table.filter(invitations::user_id.eq(invited.id)))
        .set((
            invitations::created_at.eq(now - Duration::days(4)),
            invitations::expires_at.eq(now - Duration::days(1)),
        ))
        .execute(&mut app.db.conn().await)
        .await
        .expect("aged");
    let listed = people(&mut admin).await;
    let sent = row(&listed, email).invitation.expect("still pending");
    assert!(sent.expired);
    assert!((4 * DAY..5 * DAY).contains(&sent.sent_secs_ago));
    // Everyone else has used theirs.
    assert!(
        listed
            .iter()
            .filter(|p| p.email != email)
            .all(|p| p.invitation.is_none())
    );
}

/// The `account.deactivated` events about `user_id` with no person as
/// their actor, and their reasons.
async fn deactivated_by_cairn(app: &TestApp, user_id: Uuid) -> Vec<Option<String>> {
    audit_events::table
        .filter(audit_events::action.eq("account.deactivated"))
        .filter(audit_events::subject_user_id.eq(user_id))
        .filter(audit_events::actor_id.is_null())
        .select(audit_events::reason)
        .load(&mut app.db.conn().await)
        .await
        .expect("events")
}

async fn status_of(app: &TestApp, user_id: Uuid) -> UserStatus {
    users::table
        .find(user_id)
        .select(users::status)
        .first(&mut app.db.conn().await)
        .await
        .expect("status")
}

async fn deactivate_unused(app: &TestApp) -> usize {
    // As the application's role, as `serve` runs it.
    let mut conn = app.state.db.conn().await.expect("connection");
    let policy = UnusedPolicy {
        deactivate: true,
        ..UnusedPolicy::DEFAULT
    };
    unused::deactivate_unused(&mut conn, policy)
        .await
        .expect("deactivated")
}

#[tokio::test(flavor = "multi_thread")]
async fn unused_staff_are_deactivated_but_never_the_last_administrator_in_use() {
    let app = TestApp::with_demo().await;
    app.signed_in(PATIENT).await;
    let patient = {
        let mut admin = app.signed_in(ADMIN).await;
        row(&people(&mut admin).await, PATIENT).id
    };
    let mut therapist_session = app.signed_in(THERAPIST).await;
    // Both staff unused; the patient too long ago for staff, never counted.
    let admin = age(&app, ADMIN, Some(60)).await;
    let therapist = age(&app, THERAPIST, Some(60)).await;
    diesel::update(users::table.find(patient))
        .set(users::last_signed_in_at.eq(OffsetDateTime::now_utc() - Duration::days(300)))
        .execute(&mut app.db.conn().await)
        .await
        .expect("aged");

    assert_eq!(deactivate_unused(&app).await, 1);
    assert_eq!(status_of(&app, therapist).await, UserStatus::Deactivated);
    assert_eq!(
        therapist_session.current_user().await,
        None,
        "their sessions end"
    );
    let reasons = deactivated_by_cairn(&app, therapist).await;
    assert_eq!(reasons.len(), 1, "recorded once");
    assert!(reasons[0].as_deref().is_some_and(|r| r.contains("60 days")));
    // The only administrator stays, unused or not; patients are not touched.
    assert_eq!(status_of(&app, admin).await, UserStatus::Active);
    assert_eq!(status_of(&app, patient).await, UserStatus::Active);
    assert_eq!(deactivate_unused(&app).await, 0, "nothing twice");

    // Reactivated by an administrator, the account starts its count again.
    let mut admin_browser = app.signed_in(ADMIN).await;
    let id = therapist.to_string();
    let reply = admin_browser
        .call(
            "/api/account-action",
            &[("user_id", id.as_str()), ("action", "reactivate")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(status_of(&app, therapist).await, UserStatus::Active);
    assert_eq!(deactivate_unused(&app).await, 0);
    assert!(!row(&people(&mut admin_browser).await, THERAPIST).unused);

    // With another administrator in use, an unused one goes too.
    age(&app, ADMIN, Some(60)).await;
    let mut conn = app.db.conn().await;
    diesel::update(users::table.find(therapist))
        .set(users::role.eq("admin"))
        .execute(&mut conn)
        .await
        .expect("promoted");
    app.signed_in(THERAPIST).await;
    assert_eq!(deactivate_unused(&app).await, 1);
    assert_eq!(status_of(&app, admin).await, UserStatus::Deactivated);
    assert_eq!(deactivated_by_cairn(&app, admin).await.len(), 1);
}
