//! The practice's time zone: an administrator sets it (recorded, checked
//! against the zone databases, refused for anyone else), and from then on
//! pages write times in it and count days by it.

use crate::support::TestApp;
use app::{
    backend::{
        dates::{Zone, long_day},
        db::schema::audit_events,
    },
    model::{
        PracticeSettings,
        audit::{AccessHistory, AuditAction, AuditPage},
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";

/// The details of every change of the practice's settings in the trail.
pub(crate) async fn practice_changes(app: &TestApp) -> Vec<serde_json::Value> {
    let mut conn = app.db.conn().await;
    audit_events::table
        .filter(audit_events::action.eq(AuditAction::PracticeChanged))
        .select(audit_events::details)
        .load(&mut conn)
        .await
        .expect("events")
}

#[tokio::test]
async fn an_administrator_sets_the_zone_and_the_access_log_reads_in_it() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let settings =
        |body: &str| -> PracticeSettings { serde_json::from_str(body).expect("settings") };
    let reply = admin.fetch("/api/practice-settings").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let before = settings(&reply.body);
    assert_eq!(before.time_zone, "UTC");
    assert!(before.now.ends_with(" UTC"), "{}", before.now);
    assert!(before.choices.iter().any(|z| z == "America/Chicago"));

    // Anything but a zone is named next to the field and changes nothing.
    for typed in ["Mars/Olympus_Mons", "CST", "", "America/Chicago'; --"] {
        let reply = admin
            .call("/api/practice-time-zone", &[("time_zone", typed)])
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}: {}",
            reply.body
        );
        assert!(
            reply.body.contains("Choose a time zone from the list."),
            "{}",
            reply.body
        );
    }
    assert_eq!(
        settings(&admin.fetch("/api/practice-settings").await.body).time_zone,
        "UTC"
    );

    // Others may neither read nor change it.
    for email in [THERAPIST, PATIENT] {
        let mut other = app.signed_in(email).await;
        assert_eq!(
            other.fetch("/api/practice-settings").await.status,
            StatusCode::FORBIDDEN
        );
        let reply = other
            .call("/api/practice-time-zone", &[("time_zone", "Asia/Tokyo")])
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email}");
    }

    let reply = admin
        .call(
            "/api/practice-time-zone",
            &[("time_zone", "America/Chicago")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = settings(&admin.fetch("/api/practice-settings").await.body);
    assert_eq!(after.time_zone, "America/Chicago");
    let chicago_time = |text: &str| text.ends_with(" CST") || text.ends_with(" CDT");
    assert!(chicago_time(&after.now), "{}", after.now);

    // The change is in the trail, with what it replaced.
    let details = practice_changes(&app).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0]["time_zone"], "America/Chicago");
    assert_eq!(details[0]["was"], "UTC");

    // The access log writes each event's time in the practice's zone.
    let reply = admin
        .fetch("/api/audit-log?query[action]=practice.changed")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: AuditPage = serde_json::from_str(&reply.body).expect("page");
    assert_eq!(page.rows.len(), 1);
    assert!(chicago_time(&page.rows[0].at), "{}", page.rows[0].at);
}

/// A patient's access history counts the practice's days, not UTC's: with
/// a zone whose day is not UTC's right now, today's accesses are under the
/// practice's date.
#[tokio::test]
async fn the_access_history_counts_the_practice_days() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    // Kiritimati is 14 hours ahead of UTC, Pago Pago 11 behind: one of them
    // is on another day than UTC at any hour.
    let utc_hour = time::OffsetDateTime::now_utc().hour();
    let name = if utc_hour >= 10 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    let zone = Zone::named(name).expect("a known zone");
    let reply = admin
        .call("/api/practice-time-zone", &[("time_zone", name)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The demo's therapist opens the patient's chart: an access today.
    let mut therapist = app.signed_in(THERAPIST).await;
    let mut conn = app.db.conn().await;
    let patient_id = crate::support::records::record_of(&mut conn, PATIENT).await;
    let reply = therapist
        .fetch(&format!("/api/chart?patient_id={patient_id}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let mut patient = app.signed_in(PATIENT).await;
    let reply = patient.fetch("/api/my-access-history").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let history: AccessHistory = serde_json::from_str(&reply.body).expect("history");
    assert_eq!(history.time_zone, name);
    let today = zone.today();
    assert_ne!(
        today,
        time::OffsetDateTime::now_utc().date(),
        "the zone's day differs from UTC's"
    );
    let [newest, ..] = history.days.as_slice() else {
        panic!("no days in the history");
    };
    assert_eq!(newest.day, long_day(today));
}
