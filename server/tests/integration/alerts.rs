//! Alerts on the access review, against real PostgreSQL through the full
//! router: each kind is raised from the trail, stays within its practice,
//! is closed by a review (itself recorded, its note kept out of the trail)
//! and opened again by what happens after; bad reviews change nothing.

use crate::support::{
    TestApp,
    app::{Browser, Reply},
};
use app::{
    backend::{
        audit::{self, Actor, Event, Origin, alerts},
        db::schema::{audit_alert_reviews, audit_events, users},
        organizations,
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{
        Role,
        audit::{Alert, AlertKind, AlertList, AuditAction, AuditOutcome},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENTS: [&str; 3] = [
    "avery.quinn@patients.example",
    "mateo.alvarez@patients.example",
    "jordan.lee@patients.example",
];

/// Small thresholds, so a test raises alerts with a few events.
const SETTINGS: &[(&str, &str)] = &[
    ("CAIRN_ALERT_FAILED_SIGN_INS", "3"),
    ("CAIRN_ALERT_CHARTS_PER_HOUR", "3"),
    ("CAIRN_SENSITIVE_LIMIT", "200"),
];

pub(crate) async fn person(conn: &mut AsyncPgConnection, email: &str) -> (Uuid, Uuid, Role) {
    users::table
        .filter(crate::support::records::email_is(email))
        .select((users::id, users::organization_id, users::role))
        .first(conn)
        .await
        .expect("demo account")
}

/// The alerts as the access review lists them, once the watcher has read
/// the trail (`serve` runs it every few seconds).
pub(crate) async fn alerts(app: &TestApp, admin: &mut Browser) -> AlertList {
    watched(app).await;
    let reply = admin.fetch("/api/audit-alerts").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("alert list")
}

/// Runs the alert watcher until it has read the whole trail; answers the
/// kinds it raised.
pub(crate) async fn watched(app: &TestApp) -> Vec<AlertKind> {
    let mut conn = app.db.conn().await;
    let mut raised = Vec::new();
    loop {
        let pass = alerts::watch(&mut conn, app.state.alerts, channels(app))
            .await
            .expect("a watcher's pass");
        raised.extend(pass.raised);
        if !pass.more {
            return raised;
        }
    }
}

/// The channels `serve` would queue deliveries on for this app.
pub(crate) fn channels(app: &TestApp) -> alerts::Channels {
    alerts::Channels {
        email: app.state.mailer.is_some(),
        webhook: app.state.alert_webhook.is_some(),
    }
}

/// Marks `alert` reviewed through event `through`, with `note`.
async fn review(admin: &mut Browser, alert: &str, through: &str, note: &str) -> Reply {
    admin
        .call(
            "/api/audit-alert-review",
            &[("alert", alert), ("through", through), ("note", note)],
        )
        .await
}

async fn reviews_kept(conn: &mut AsyncPgConnection) -> i64 {
    audit_alert_reviews::table
        .count()
        .get_result(conn)
        .await
        .expect("count")
}

fn by_key<'a>(list: &'a AlertList, key: &str) -> &'a Alert {
    list.alerts
        .iter()
        .find(|a| a.key == key)
        .expect("the alert is listed")
}

/// Records `action` by `who` on `patient`'s chart, from `ip`.
async fn chart_event(
    conn: &mut AsyncPgConnection,
    who: (Uuid, Uuid, Role),
    action: AuditAction,
    outcome: AuditOutcome,
    patient: Uuid,
) {
    let (user_id, organization_id, role) = who;
    let event = Event::new(
        action,
        outcome,
        Actor::Person {
            user_id,
            organization_id,
            role,
        },
        Origin::default(),
    )
    .on("chart", patient)
    .about_patient(patient);
    audit::record(conn, event).await.expect("recorded");
}

/// The reason the emergency access in these tests gives.
const EMERGENCY_REASON: &str = "Patient called the crisis line; their therapist is away";

/// `who` (a therapist) breaks the glass for the record of the patient
/// whose account is `patient`, as the application does it (the start is
/// recorded, the reason sealed); answers the record's id.
async fn broke_glass(
    app: &TestApp,
    conn: &mut AsyncPgConnection,
    who: (Uuid, Uuid, Role),
    patient: Uuid,
) -> Uuid {
    use app::backend::identity::authz::{Sensitive, StepUp, Therapist};
    let (user_id, organization_id, _) = who;
    let record: Uuid = app::backend::db::schema::patients::table
        .filter(app::backend::db::schema::patients::user_id.eq(patient))
        .select(app::backend::db::schema::patients::id)
        .first(conn)
        .await
        .expect("their record");
    app::backend::records::emergency::start(
        conn,
        &app.state.vault,
        Therapist {
            user_id,
            organization_id,
        },
        StepUp {
            user_id,
            action: Sensitive::EmergencyAccess,
        },
        app::backend::records::emergency::Opening {
            patient_id: record,
            reason: EMERGENCY_REASON,
            lasts: std::time::Duration::from_secs(3600),
        },
        &app::backend::client::ClientInfo::default(),
    )
    .await
    .expect("emergency access");
    record
}

/// A failed sign-in for no known account, from `ip`, in `practice`.
pub(crate) async fn failure_from(conn: &mut AsyncPgConnection, practice: Option<Uuid>, ip: &str) {
    let event = Event::new(
        AuditAction::SignInFailed,
        AuditOutcome::Denied,
        Actor::Anonymous {
            organization_id: practice,
        },
        Origin {
            ip: Some(ip.to_owned()),
            ..Origin::default()
        },
    )
    .because("no such account");
    audit::record(conn, event).await.expect("recorded");
}

/// A failed sign-in from `ip` whose transaction stays open until the
/// answered sender is used: its id is taken, its row not yet seen, while
/// other appends commit past it. Answers once it is open, with the task
/// that commits it.
pub(crate) async fn failure_held_open(
    app: &TestApp,
    practice: Uuid,
    ip: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    use diesel_async::AsyncConnection;
    let mut slow = app.db.conn().await;
    let ip = ip.to_owned();
    let (opened_tx, opened) = tokio::sync::oneshot::channel::<()>();
    let (commit_tx, commit) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        slow.transaction::<_, diesel::result::Error, _>(async |conn| {
            failure_from(conn, Some(practice), &ip).await;
            let _ = opened_tx.send(());
            let _ = commit.await;
            Ok(())
        })
        .await
        .expect("committed");
    });
    opened.await.expect("the held append is open");
    (commit_tx, task)
}

#[tokio::test]
async fn failed_sign_ins_raise_one_alert_a_review_closes_it_and_new_failures_open_it_again() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let (therapist, practice, _) = person(&mut conn, THERAPIST).await;
    let mut stranger = app.browser();
    stranger
        .fail_sign_in(THERAPIST, "not-the-password", 3)
        .await;
    for _ in 0..3 {
        failure_from(&mut conn, Some(practice), "203.0.113.7").await;
    }
    // Below the threshold: no alert for this address.
    for _ in 0..2 {
        failure_from(&mut conn, Some(practice), "198.51.100.20").await;
    }
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let list = alerts(&app, &mut admin).await;
    assert_eq!(list.failed_sign_ins, 3);
    let account = list
        .alerts
        .iter()
        .find(|a| a.kind == AlertKind::FailedSignInsForAccount)
        .expect("an alert for the account");
    assert_eq!(
        account.summary,
        "3 failed sign-ins for Dr. Rowan Ellis (3 within 5 minutes)"
    );
    assert_eq!(account.concerning.as_ref().map(|p| p.id), Some(therapist));
    assert_eq!(account.evidence.action, "sign_in.failed");
    assert_eq!(account.evidence.patient, therapist.to_string());
    let address: Vec<_> = list
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::FailedSignInsFromIp)
        .collect();
    assert_eq!(address.len(), 1, "{:?}", list.alerts);
    assert_eq!(address[0].ip.as_deref(), Some("203.0.113.7"));
    // An address may try many accounts: none is named.
    assert_eq!(address[0].concerning, None);
    assert_eq!(address[0].evidence.ip, "203.0.113.7");
    assert!(list.alerts.iter().all(|a| a.review.is_none()));

    let key = account.key.clone();
    let through = account.last_event_id.to_string();
    let note = "Rowan forgot the new password; confirmed by phone";
    let reply = review(&mut admin, &key, &through, note).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = alerts(&app, &mut admin).await;
    let review = by_key(&list, &key).review.as_ref().expect("reviewed");
    assert_eq!(review.by, "Morgan Reyes");
    assert_eq!(review.note.as_deref(), Some(note));
    // Open alerts come first.
    let listed: &[Alert] = &list.alerts;
    assert!(listed.first().is_some_and(|a| a.review.is_none()));

    // The review is in the trail, without the note's words.
    let (resource, details): (Option<String>, serde_json::Value) = audit_events::table
        .filter(audit_events::action.eq(AuditAction::AlertReviewed))
        .select((audit_events::resource_id, audit_events::details))
        .first(&mut conn)
        .await
        .expect("the review is recorded");
    assert_eq!(resource.as_deref(), Some(key.as_str()));
    assert_eq!(details["kind"], "failed_sign_ins.account");
    assert!(!details.to_string().contains("phone"));

    // Another failure joins the episode: the same alert, open again.
    stranger.fail_sign_in(THERAPIST, "still-not-it", 1).await;
    let list = alerts(&app, &mut admin).await;
    let reopened = by_key(&list, &key);
    assert_eq!(reopened.events, 4);
    assert!(reopened.review.is_none());
}

#[tokio::test]
async fn chart_views_emergency_access_and_refused_charts_raise_alerts_with_their_evidence() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let therapist = person(&mut conn, THERAPIST).await;
    let colleague = person(&mut conn, "sam.okafor@juniper-creek.example").await;
    let mut patients = Vec::new();
    for email in PATIENTS {
        patients.push(person(&mut conn, email).await.0);
    }
    // Three different charts within the hour (and one of them twice).
    for patient in [patients[0], patients[1], patients[1], patients[2]] {
        chart_event(
            &mut conn,
            therapist,
            AuditAction::RecordViewed,
            AuditOutcome::Allowed,
            patient,
        )
        .await;
    }
    // One chart, then another under emergency access: two, under the
    // threshold (views under emergency access count as views).
    for patient in [patients[0]] {
        chart_event(
            &mut conn,
            colleague,
            AuditAction::RecordViewed,
            AuditOutcome::Allowed,
            patient,
        )
        .await;
    }
    let glass = broke_glass(&app, &mut conn, colleague, patients[2]).await;
    chart_event(
        &mut conn,
        colleague,
        AuditAction::RecordViewed,
        AuditOutcome::Denied,
        patients[0],
    )
    .await;

    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let list = alerts(&app, &mut admin).await;
    let of =
        |kind: AlertKind| -> Vec<_> { list.alerts.iter().filter(|a| a.kind == kind).collect() };

    let many = of(AlertKind::ManyCharts);
    assert_eq!(many.len(), 1, "{:?}", list.alerts);
    assert_eq!(many[0].actor.as_ref().map(|p| p.id), Some(therapist.0));
    assert_eq!(many[0].peak, 3);
    assert_eq!(many[0].events, 4);
    assert_eq!(
        many[0].summary,
        "Dr. Rowan Ellis opened 3 different patients' charts (3 within one hour)"
    );
    assert_eq!(many[0].evidence.actor, therapist.0.to_string());
    assert_eq!(many[0].concerning, None, "many patients, so none is named");

    let emergency = of(AlertKind::EmergencyAccess);
    assert_eq!(emergency.len(), 1);
    assert_eq!(emergency[0].concerning.as_ref().map(|p| p.id), Some(glass));
    assert_eq!(emergency[0].reason.as_deref(), Some(EMERGENCY_REASON));
    assert_eq!(emergency[0].evidence.action, "record.emergency_access");

    let refused = of(AlertKind::DeniedChart);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].actor.as_ref().map(|p| p.id), Some(colleague.0));
    assert_eq!(
        refused[0].concerning.as_ref().map(|p| p.id),
        Some(patients[0])
    );
    assert_eq!(refused[0].evidence.outcome, "denied");
    assert_eq!(list.alerts.len(), 3, "{:?}", list.alerts);
}

#[tokio::test]
async fn another_practices_alerts_are_not_listed_and_cannot_be_reviewed() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let other = organizations::find_or_create(&mut conn, "Birch Lane Clinic", "birch-lane")
        .await
        .expect("second practice");
    for _ in 0..3 {
        failure_from(&mut conn, Some(other), "192.0.2.44").await;
    }
    let elsewhere: i64 = audit_events::table
        .filter(audit_events::client_ip.eq("192.0.2.44"))
        .select(diesel::dsl::min(audit_events::id))
        .first::<Option<i64>>(&mut conn)
        .await
        .expect("events")
        .expect("an event");
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    assert!(alerts(&app, &mut admin).await.alerts.is_empty());
    let key = format!("failed_sign_ins.ip:{elsewhere}");
    let reply = review(&mut admin, &key, &(elsewhere + 2).to_string(), "").await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reviews_kept(&mut conn).await, 0);
}

#[tokio::test]
async fn a_bad_review_is_named_next_to_its_field_and_changes_nothing() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let (_, practice, _) = person(&mut conn, ADMIN).await;
    for _ in 0..3 {
        failure_from(&mut conn, Some(practice), "203.0.113.9").await;
    }
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let alert = alerts(&app, &mut admin).await.alerts.remove(0);
    let through = alert.last_event_id.to_string();
    let long = "x".repeat(501);
    let after = (alert.last_event_id + 1).to_string();
    let cases: [(&str, &str, &str, &str); 3] = [
        (&alert.key, &through, &long, "note"),
        ("failed_sign_ins.ip:999999", &through, "", "alert"),
        // Claims to have seen events the alert does not have.
        (&alert.key, &after, "", "alert"),
    ];
    for (key, through, note, field) in cases {
        let reply = review(&mut admin, key, through, note).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        let error: AppError = serde_json::from_str(&reply.body).expect("error");
        assert!(error.field(field).is_some(), "{field}: {error:?}");
    }
    assert_eq!(reviews_kept(&mut conn).await, 0);
    let recorded: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::AlertReviewed))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(recorded, 0);
    assert!(alerts(&app, &mut admin).await.alerts[0].review.is_none());
}

#[tokio::test]
async fn the_newest_hundred_open_alerts_are_listed_and_the_rest_counted_and_still_reviewable() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let colleague = person(&mut conn, "sam.okafor@juniper-creek.example").await;
    let mut first_event = 0;
    for n in 0..101 {
        chart_event(
            &mut conn,
            colleague,
            AuditAction::RecordViewed,
            AuditOutcome::Denied,
            Uuid::from_u128(1_000 + n),
        )
        .await;
        if n == 0 {
            first_event = audit_events::table
                .select(diesel::dsl::max(audit_events::id))
                .first::<Option<i64>>(&mut conn)
                .await
                .expect("id")
                .expect("an event");
        }
    }
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let list = alerts(&app, &mut admin).await;
    assert_eq!(list.alerts.len(), 100);
    assert_eq!(list.more_open, 1);
    let oldest = format!("denied_chart:{first_event}");
    assert!(
        list.alerts.iter().all(|a| a.key != oldest),
        "the oldest is the one left out"
    );
    let reply = review(&mut admin, &oldest, &first_event.to_string(), "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = alerts(&app, &mut admin).await;
    assert_eq!(list.more_open, 0);
    assert_eq!(list.alerts.iter().filter(|a| a.review.is_some()).count(), 1);
}

#[tokio::test]
async fn free_text_stored_in_the_clear_before_is_sealed_and_still_reads() {
    let app = TestApp::with_demo_and(SETTINGS).await;
    let mut conn = app.db.conn().await;
    let sam = person(&mut conn, "sam.okafor@juniper-creek.example").await;
    let admin_id = person(&mut conn, ADMIN).await.0;
    let record: Uuid = app::backend::db::schema::patients::table
        .filter(app::backend::db::schema::patients::organization_id.eq(sam.1))
        .select(app::backend::db::schema::patients::id)
        .first(&mut conn)
        .await
        .expect("a record");
    // An emergency access as it was written before reasons were sealed.
    let id = Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO emergency_access (id, organization_id, patient_id, user_id, reason, expires_at) \
         VALUES ($1, $2, $3, $4, $5, now() + interval '1 hour')",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(sam.1)
    .bind::<diesel::sql_types::Uuid, _>(record)
    .bind::<diesel::sql_types::Uuid, _>(sam.0)
    .bind::<diesel::sql_types::Text, _>(EMERGENCY_REASON)
    .execute(&mut conn)
    .await
    .expect("an old emergency access");
    let event = Event::new(
        AuditAction::EmergencyAccess,
        AuditOutcome::Allowed,
        Actor::Person {
            user_id: sam.0,
            organization_id: sam.1,
            role: sam.2,
        },
        Origin::default(),
    )
    .on("emergency_access", id)
    .about_patient(record);
    audit::record(&mut conn, event).await.expect("recorded");

    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let list = alerts(&app, &mut admin).await;
    let alert = list
        .alerts
        .iter()
        .find(|a| a.kind == AlertKind::EmergencyAccess)
        .expect("the alert");
    assert_eq!(
        alert.reason.as_deref(),
        Some(EMERGENCY_REASON),
        "read before sealing"
    );
    // A review with a note, as it was written before notes were sealed.
    let note = "Spoke with Sam; the call was genuine";
    diesel::sql_query(
        "INSERT INTO audit_alert_reviews (organization_id, alert_key, through_event_id, reviewed_by, note) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<diesel::sql_types::Uuid, _>(sam.1)
    .bind::<diesel::sql_types::Text, _>(&alert.key)
    .bind::<diesel::sql_types::BigInt, _>(alert.last_event_id)
    .bind::<diesel::sql_types::Uuid, _>(admin_id)
    .bind::<diesel::sql_types::Text, _>(note)
    .execute(&mut conn)
    .await
    .expect("an old review");

    let sealed = app::backend::vault::leftovers::seal_all(&mut conn, &app.state.vault)
        .await
        .expect("sealed");
    assert_eq!(sealed, 2);
    let again = app::backend::vault::leftovers::seal_all(&mut conn, &app.state.vault)
        .await
        .expect("again");
    assert_eq!(again, 0, "nothing left the second time");
    let clear: Option<String> = app::backend::db::schema::emergency_access::table
        .find(id)
        .select(app::backend::db::schema::emergency_access::reason)
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!(clear, None, "the clear copy is gone");
    let clear: Option<String> = audit_alert_reviews::table
        .select(audit_alert_reviews::note)
        .first(&mut conn)
        .await
        .expect("review");
    assert_eq!(clear, None);

    // Both still read, for the administrator.
    let list = alerts(&app, &mut admin).await;
    let alert = by_key(&list, &alert.key);
    assert_eq!(alert.reason.as_deref(), Some(EMERGENCY_REASON));
    assert_eq!(
        alert.review.as_ref().and_then(|r| r.note.as_deref()),
        Some(note)
    );
}
