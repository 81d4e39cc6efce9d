//! A therapist's home: their own drafts to sign, plans on their caseload
//! due for review, and the charts they opened last. Only patients of their
//! caseload, only the ones named opened (each recorded as listed), and no
//! one else's drafts.

use crate::support::{TestApp, records::record_of};
use app::{
    backend::db::schema::audit_events,
    model::{audit::AuditAction, chart::SavedNote, home::TherapistHome},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use std::collections::BTreeSet;
use uuid::Uuid;

const ROWAN: &str = "rowan.ellis@juniper-creek.example";
const SAM: &str = "sam.okafor@juniper-creek.example";
const AVERY: &str = "avery.quinn@patients.example";
const JORDAN: &str = "jordan.lee@patients.example";
const MATEO: &str = "mateo.alvarez@patients.example";

fn in_days(days: i64) -> String {
    app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

async fn draft(browser: &mut crate::support::app::Browser, patient: Uuid, session: &str) -> Uuid {
    let reply = browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient.to_string()),
                ("template", "dap"),
                ("session_date", session),
                ("data", "Talked through the week."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str::<SavedNote>(&reply.body)
        .expect("saved")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_therapist_s_home_lists_their_drafts_plans_due_and_recent_charts_and_opens_only_those() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (avery, jordan, mateo) = (
        record_of(&mut conn, AVERY).await,
        record_of(&mut conn, JORDAN).await,
        record_of(&mut conn, MATEO).await,
    );
    let mut rowan = app.signed_in(ROWAN).await;
    let mut sam = app.signed_in(SAM).await;

    // Rowan: two drafts (the older session first), Avery's plan due in a
    // week, Jordan's in two months; Jordan's chart opened last.
    let newer = draft(&mut rowan, avery, &in_days(-1)).await;
    let older = draft(&mut rowan, jordan, &in_days(-6)).await;
    let due =
        crate::plans::save_plan(&mut rowan, &avery.to_string(), "0", "Sleep", &in_days(7)).await;
    assert_eq!(due.status, StatusCode::OK, "{}", due.body);
    let later =
        crate::plans::save_plan(&mut rowan, &jordan.to_string(), "0", "Walk", &in_days(60)).await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    for patient in [avery, jordan] {
        let reply = rowan
            .fetch(&format!("/api/chart?patient_id={patient}"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    // Sam's draft on his own patient is his alone.
    draft(&mut sam, mateo, &in_days(-2)).await;

    let listed_before = listed(&mut conn).await;
    let reply = rowan.fetch("/api/therapist-home").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let home: TherapistHome = serde_json::from_str(&reply.body).expect("home");
    let drafts: Vec<Uuid> = home.drafts.iter().map(|d| d.note_id).collect();
    assert_eq!(drafts, [older, newer]);
    assert_eq!(home.drafts[0].patient.name.as_deref(), Some("Jordan Lee"));
    assert_eq!(home.plans_due.len(), 1, "{:?}", home.plans_due);
    assert_eq!(
        home.plans_due[0].patient.name.as_deref(),
        Some("Avery Quinn")
    );
    assert!(!home.plans_due[0].overdue);
    let recent: Vec<Option<&str>> = home.recent.iter().map(|p| p.name.as_deref()).collect();
    assert_eq!(recent, [Some("Jordan Lee"), Some("Avery Quinn")]);

    // Only the two patients named were opened, each recorded once as
    // listed; Priya, also on Rowan's caseload, was not.
    let opened = listed(&mut conn).await;
    let new: BTreeSet<Uuid> = opened.iter().skip(listed_before.len()).copied().collect();
    assert_eq!(new, BTreeSet::from([avery, jordan]));
    assert_eq!(opened.len() - listed_before.len(), 2);

    // Patients and administrators have no such page.
    for email in [AVERY, "admin@juniper-creek.example"] {
        let mut other = app.signed_in(email).await;
        assert_eq!(
            other.fetch("/api/therapist-home").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

/// The patients of every `record.listed` event so far, oldest first.
async fn listed(conn: &mut diesel_async::AsyncPgConnection) -> Vec<Uuid> {
    audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordListed))
        .order(audit_events::id)
        .select(audit_events::patient_id.assume_not_null())
        .load(conn)
        .await
        .expect("listed")
}
