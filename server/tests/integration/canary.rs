//! No health information at rest in the clear: canary strings go in
//! through the app (a patient's details, a note, its addendum, a
//! psychotherapy note, a diagnosis, a treatment plan, and free text staff
//! type about people: an emergency access reason, an alert review's note;
//! and a user agent, which is free text anyone sends), then every
//! row of every table is read back as PostgreSQL's text for it and
//! searched for them, as text and as hex (how bytea prints).

use crate::support::{TestApp, records::join_care_team};
use app::backend::{
    db::schema::users,
    records::patients::{self, NewPatient},
    seed::DEMO_PASSWORD,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use time::macros::date;
use uuid::Uuid;

const NAME: &str = "Quillon Canarybrook";
const EMAIL: &str = "quillon.canarybrook@canary.example";
const PHONE: &str = "555-0177-CANARY";
const BORN: &str = "1977-07-17";
const NOTE: &str = "canary-note-b81f disclosed a private matter";
const ADDENDUM: &str = "canary-addendum-4c2e corrected";
const DIAGNOSIS: &str = "canary-diagnosis-7d1a disorder";
const CODE: &str = "Q77.7";
const GOAL: &str = "canary-goal-e93b walk the dog daily";
const INTERVENTION: &str = "canary-intervention-05fa";
const PSYCHOTHERAPY: &str = "canary-psychotherapy-3e6d dream about the lake";
const REASON: &str = "canary-reason-91c4 called the crisis line at night";
const REVIEW_NOTE: &str = "canary-review-2b7e spoke with the therapist";
const AGENT: &str = "canary-agent-5a0f Firefox/128.0 (X11; Linux x86_64)";

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
}

#[tokio::test]
async fn no_table_holds_a_canary_in_the_clear() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let (rowan, org): (Uuid, Uuid) = users::table
        .filter(users::email.eq("rowan.ellis@juniper-creek.example"))
        .select((users::id, users::organization_id))
        .first(&mut conn)
        .await
        .expect("therapist");
    let new = NewPatient {
        legal_name: NAME.to_owned(),
        date_of_birth: date!(1977 - 07 - 17),
        email: Some(EMAIL.to_owned()),
        phone: Some(PHONE.to_owned()),
        user_id: None,
    };
    let patient = patients::create(&mut conn, &app.state.vault, org, &new)
        .await
        .expect("patient");
    join_care_team(&mut conn, org, patient, rowan, rowan).await;

    // Through the router, as the therapist's browser does.
    let mut browser = app.browser();
    browser.user_agent = Some(AGENT.to_owned());
    browser
        .sign_in("rowan.ellis@juniper-creek.example", DEMO_PASSWORD)
        .await;
    let patient_id = patient.to_string();
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let saved = browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient_id),
                ("template", "dap"),
                ("session_date", &today),
                ("data", NOTE),
                ("assessment", NOTE),
                ("plan", NOTE),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: app::model::chart::SavedNote = serde_json::from_str(&saved.body).expect("saved");
    let id = saved.id.to_string();
    let signed = browser
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let added = browser
        .call("/api/add-addendum", &[("note_id", &id), ("text", ADDENDUM)])
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let added = browser
        .call(
            "/api/add-diagnosis",
            &[
                ("patient_id", &patient_id),
                ("code", CODE),
                ("description", DIAGNOSIS),
                ("onset_date", &today),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let private = browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient_id),
                ("kind", "psychotherapy"),
                ("template", "dap"),
                ("session_date", &today),
                ("data", PSYCHOTHERAPY),
            ],
        )
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.body);
    let private: app::model::chart::SavedNote = serde_json::from_str(&private.body).expect("saved");
    let review =
        app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(30));
    let planned = browser
        .call(
            "/api/save-plan",
            &[
                ("patient_id", &patient_id),
                ("version", "0"),
                ("goals", GOAL),
                ("objectives", GOAL),
                ("interventions", INTERVENTION),
                ("review_date", &review),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{}", planned.body);
    // Reading them puts them through the audit trail and the session too.
    for path in [
        format!("/api/chart?patient_id={patient}"),
        format!("/api/note?note_id={id}"),
        format!("/api/caseload?search={}", NAME.replace(' ', "%20")),
    ] {
        let reply = browser.fetch(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    let read = browser
        .fetch(&format!("/api/note?note_id={}", private.id))
        .await;
    assert!(
        read.body.contains(PSYCHOTHERAPY),
        "its author reads it back"
    );
    let note = browser.fetch(&format!("/api/note?note_id={id}")).await;
    assert!(
        note.body.contains(NOTE) && note.body.contains(ADDENDUM),
        "the app reads them back"
    );
    let chart = browser
        .fetch(&format!("/api/chart?patient_id={patient}"))
        .await;
    for canary in [DIAGNOSIS, CODE, GOAL, INTERVENTION] {
        assert!(chart.body.contains(canary), "the chart reads {canary} back");
    }

    // Another therapist breaks the glass, with a reason; an administrator
    // reviews the alert it raised, with a note.
    let mut sam = app.signed_in("sam.okafor@juniper-creek.example").await;
    sam.user_agent = Some(AGENT.to_owned());
    crate::mfa::enroll(&mut sam).await;
    let broke = sam
        .call(
            "/api/emergency-access",
            &[("patient_id", &patient_id), ("reason", REASON)],
        )
        .await;
    assert_eq!(broke.status, StatusCode::OK, "{}", broke.body);
    let viewed = sam.fetch(&format!("/api/chart?patient_id={patient}")).await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.body);
    let mut admin = app.signed_in("admin@juniper-creek.example").await;
    let alerts = admin.fetch("/api/audit-alerts").await;
    assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
    let list: app::model::audit::AlertList = serde_json::from_str(&alerts.body).expect("alerts");
    let alert = list
        .alerts
        .iter()
        .find(|a| a.kind == app::model::audit::AlertKind::EmergencyAccess)
        .expect("an emergency alert");
    assert_eq!(
        alert.reason.as_deref(),
        Some(REASON),
        "administrators read the reason"
    );
    let reviewed = admin
        .call(
            "/api/audit-alert-review",
            &[
                ("alert", &alert.key),
                ("through", &alert.last_event_id.to_string()),
                ("note", REVIEW_NOTE),
            ],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    let again: app::model::audit::AlertList =
        serde_json::from_str(&admin.fetch("/api/audit-alerts").await.body).expect("alerts");
    assert!(
        again
            .alerts
            .iter()
            .any(|a| a.review.as_ref().and_then(|r| r.note.as_deref()) == Some(REVIEW_NOTE)),
        "administrators read the note back"
    );

    // Read as the owner: the catalogue shows a role only the tables it may
    // touch, and the scan must see every one.
    let mut conn = app.db.owner_conn().await;
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .expect("tables");
    assert!(tables.len() >= 10, "every table, found {}", tables.len());
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let needles = [
        NAME,
        "canarybrook",
        EMAIL,
        PHONE,
        BORN,
        "canary-note-b81f",
        "canary-addendum-4c2e",
        "canary-diagnosis-7d1a",
        CODE,
        "canary-goal-e93b",
        INTERVENTION,
        "canary-psychotherapy-3e6d",
        "canary-reason-91c4",
        "canary-review-2b7e",
        "canary-agent-5a0f",
    ];
    let mut rows_read = 0;
    for TableName { table_name } in tables {
        // Names come from the catalogue, quoted as identifiers.
        let rows = crate::support::db::rows_as_text(
            &mut conn,
            &format!(
                "SELECT t::text AS row FROM \"{}\" t",
                table_name.replace('"', "\"\"")
            ),
        )
        .await;
        rows_read += rows.len();
        for row in rows {
            let lower = row.to_lowercase();
            for needle in needles {
                assert!(
                    !lower.contains(&needle.to_lowercase()),
                    "{needle} in the clear in {table_name}"
                );
                assert!(
                    !lower.contains(&hex(&needle.to_lowercase())) && !row.contains(&hex(needle)),
                    "{needle} as hex in {table_name}"
                );
            }
        }
    }
    assert!(rows_read > 50, "rows were read: {rows_read}");
}
