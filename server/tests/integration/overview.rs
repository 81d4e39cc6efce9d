//! The access review's overview counts each event once: those the alert
//! watcher has read from the counts it keeps (`audit_tally`), the newest
//! from the trail itself, an event whose transaction commits late when it
//! appears, and none twice however often the watcher runs.

use crate::{
    alerts::{failure_from, failure_held_open, person, watched},
    support::{TestApp, app::Browser},
};
use app::{
    backend::audit::{self, Actor, Event, Origin},
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, AuditOverview},
    },
};
use http::StatusCode;
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const IP: &str = "198.51.100.9";

async fn overview(admin: &mut Browser, period: &str) -> AuditOverview {
    let reply = admin
        .fetch(&format!("/api/audit-overview?period={period}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("overview")
}

/// What the test's own events change: failures (counted, and as denied in
/// the series) and the therapist's record views. Looking at the overview
/// is itself recorded, so the other counts move on their own.
fn measured(overview: &AuditOverview, therapist: &str) -> (i64, i64, i64) {
    let denied_in_series = overview.series.iter().map(|(_, _, denied)| denied).sum();
    let views = overview
        .top_viewers
        .iter()
        .find(|(name, _)| name == therapist)
        .map_or(0, |(_, views)| *views);
    (overview.failed_sign_ins, denied_in_series, views)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_counts_each_event_once_whether_the_watcher_has_read_it_or_not() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (therapist, practice, _) = person(&mut conn, THERAPIST).await;
    let mut admin = app.signed_in(ADMIN).await;
    let name = "Dr. Rowan Ellis";
    watched(&app).await;
    let before = measured(&overview(&mut admin, "24h").await, name);

    // Three failures and five chart views, not read by the watcher yet.
    for _ in 0..3 {
        failure_from(&mut conn, Some(practice), IP).await;
    }
    let views: Vec<Event> = (0..5)
        .map(|n| {
            Event::new(
                AuditAction::RecordViewed,
                AuditOutcome::Allowed,
                Actor::Person {
                    user_id: therapist,
                    organization_id: practice,
                    role: Role::Therapist,
                },
                Origin::default(),
            )
            .on("note", n)
            .about_patient(Uuid::new_v4())
        })
        .collect();
    audit::record_all(&mut conn, &views)
        .await
        .expect("recorded");
    let expected = (before.0 + 3, before.1 + 3, before.2 + 5);
    assert_eq!(measured(&overview(&mut admin, "24h").await, name), expected);

    // Read and counted by the watcher: the same, and again after passes
    // with nothing new.
    watched(&app).await;
    assert_eq!(measured(&overview(&mut admin, "24h").await, name), expected);
    watched(&app).await;
    watched(&app).await;
    assert_eq!(measured(&overview(&mut admin, "24h").await, name), expected);
    // Days count the same events as hours.
    let week = overview(&mut admin, "7d").await;
    assert_eq!(week.failed_sign_ins, expected.0);
    assert_eq!(measured(&week, name).2, expected.2);

    // A failure whose transaction commits after the watcher passed its id
    // is counted when it appears, once.
    let (commit_tx, late) = failure_held_open(&app, practice, IP).await;
    failure_from(&mut conn, Some(practice), IP).await;
    watched(&app).await;
    let passed_over = overview(&mut admin, "24h").await.failed_sign_ins;
    assert_eq!(passed_over, expected.0 + 1, "the open one is not there yet");
    let _ = commit_tx.send(());
    late.await.expect("the slow append committed");
    watched(&app).await;
    watched(&app).await;
    assert_eq!(
        overview(&mut admin, "24h").await.failed_sign_ins,
        expected.0 + 2
    );
}
