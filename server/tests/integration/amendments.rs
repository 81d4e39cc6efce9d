//! Amendments through the full router against PostgreSQL: the patient asks
//! about an item of their record (refused beside the fields when the form
//! is incomplete; answered as not found, and recorded, for an item they
//! cannot see); the care team sees the request on the chart and their
//! home, takes the one extension, accepts (a note gets its addendum) or
//! denies; a second decision is a conflict; the patient's statement of
//! disagreement travels with the copy and the FHIR bundle; the database
//! keeps what was decided as it was decided.

use crate::charts::{AVERY, ROWAN, SAM, error, record_of};
use crate::exports::{assert_valid_fhir, full_record};
use crate::support::{TestApp, app::Browser};
use app::{
    api::amendments::PatientAmendments,
    backend::{
        db::schema::{amendments, audit_events},
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{
        amendment::{AmendmentStatus, ItemKind, MyAmendments, parse_item_key},
        audit::AuditOutcome,
        chart::Chart,
        home::TherapistHome,
        record::RecordCopy,
    },
};
use base64::Engine;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const ABOUT_NOTE: &str = "The note says I missed a session in May; I was there.";
const ABOUT_DIAGNOSIS: &str = "I was never told about this diagnosis and do not agree with it.";
const DISAGREEMENT: &str = "canary-disagreement-5e21: I still disagree with this diagnosis.";

async fn ask(patient: &mut Browser, item: &str, words: &str) -> crate::support::app::Reply {
    patient
        .call(
            "/api/request-amendment",
            &[("item", item), ("request", words)],
        )
        .await
}

async fn decide(
    therapist: &mut Browser,
    patient: Uuid,
    amendment: Uuid,
    decision: &str,
    text: &str,
) -> crate::support::app::Reply {
    therapist
        .call(
            "/api/decide-amendment",
            &[
                ("patient_id", &patient.to_string()),
                ("amendment_id", &amendment.to_string()),
                ("decision", decision),
                ("text", text),
            ],
        )
        .await
}

async fn requests(therapist: &mut Browser, patient: Uuid) -> PatientAmendments {
    let reply = therapist
        .fetch(&format!("/api/amendments?patient_id={patient}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("requests")
}

async fn mine(patient: &mut Browser) -> MyAmendments {
    let reply = patient.fetch("/api/my-amendments").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine: Option<MyAmendments> = serde_json::from_str(&reply.body).expect("mine");
    mine.expect("a record")
}

fn today_plus(days: i64) -> String {
    app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patient_asks_the_care_team_decides_and_a_disagreement_travels_with_the_copy() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    full_record(&mut rowan, avery).await;
    let psychotherapy =
        crate::psychotherapy::psychotherapy_note(&mut rowan, avery, true, "private").await;

    // What the patient may ask about: their details, the diagnosis, the
    // plan and the signed progress note; never the psychotherapy note.
    let mut patient = app.signed_in(AVERY).await;
    let items = mine(&mut patient).await.items;
    let kinds: Vec<ItemKind> = items
        .iter()
        .map(|i| parse_item_key(&i.key).expect("a key").0)
        .collect();
    assert_eq!(
        kinds,
        [
            ItemKind::Details,
            ItemKind::Diagnosis,
            ItemKind::Plan,
            ItemKind::Note
        ]
    );
    assert!(items[1].label.contains("F41.1"), "{:?}", items[1].label);
    let diagnosis = items[1].key.clone();
    let note = items[3].key.clone();
    let note_id = parse_item_key(&note).expect("note").1;

    // Incomplete: beside each field, nothing kept.
    let reply = ask(&mut patient, "", "short").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = error(&reply);
    assert!(refused.field("item").is_some());
    assert!(refused.field("request").is_some());
    // An item they cannot see, or none at all: not found, and recorded.
    let denied_before = denied(&mut conn, avery).await;
    for item in [
        format!("note:{psychotherapy}"),
        format!("note:{}", Uuid::new_v4()),
        format!("diagnosis:{avery}"),
        "nonsense".to_owned(),
    ] {
        let reply = ask(&mut patient, &item, ABOUT_NOTE).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{item}: {}",
            reply.body
        );
    }
    assert_eq!(denied(&mut conn, avery).await, denied_before + 4);
    assert_eq!(stored(&mut conn, avery).await, 0);

    // Two requests, each due in 60 days.
    for (item, words) in [(&note, ABOUT_NOTE), (&diagnosis, ABOUT_DIAGNOSIS)] {
        let reply = ask(&mut patient, item, words).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let listed = requests(&mut rowan, avery).await;
    assert_eq!(listed.requests.len(), 2);
    assert!(
        listed
            .requests
            .iter()
            .all(|r| r.status == AmendmentStatus::Pending
                && r.due_on == today_plus(60)
                && !r.overdue)
    );
    let on_diagnosis = listed
        .requests
        .iter()
        .find(|r| r.item_kind == ItemKind::Diagnosis)
        .expect("diagnosis request");
    assert_eq!(on_diagnosis.request, ABOUT_DIAGNOSIS);
    let (on_note, on_diagnosis) = (
        listed
            .requests
            .iter()
            .find(|r| r.item_kind == ItemKind::Note)
            .expect("note request")
            .id,
        on_diagnosis.id,
    );

    // The chart and the therapist's home say so.
    let reply = rowan.fetch(&format!("/api/chart?patient_id={avery}")).await;
    let chart: Chart = serde_json::from_str(&reply.body).expect("chart");
    assert_eq!(chart.amendments.expect("waiting").count, 2);
    let reply = rowan.fetch("/api/therapist-home").await;
    let home: TherapistHome = serde_json::from_str(&reply.body).expect("home");
    let due = home
        .amendments
        .iter()
        .find(|d| d.patient.patient_id == avery)
        .expect("on the home");
    assert_eq!(due.patient.name.as_deref(), Some("Avery Quinn"));
    assert_eq!(due.waiting.due_on, today_plus(60));

    // Sam is not on the care team: not found. The patient decides nothing.
    let mut sam = app.signed_in(SAM).await;
    let reply = decide(&mut sam, avery, on_note, "accept", "Attendance corrected.").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = decide(
        &mut patient,
        avery,
        on_note,
        "accept",
        "Attendance corrected.",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // One extension, with a reason.
    let extend = |reason: &'static str| {
        vec![
            ("patient_id", avery.to_string()),
            ("amendment_id", on_diagnosis.to_string()),
            ("reason", reason.to_owned()),
        ]
    };
    let short = extend("busy");
    let short: Vec<(&str, &str)> = short.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/extend-amendment", &short).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("reason").is_some());
    let good = extend("Waiting for the records of the previous provider.");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/extend-amendment", &good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = rowan.call("/api/extend-amendment", &good).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "once only");

    // Decisions: incomplete beside the fields; accepting the note's
    // request adds its addendum; a second decision is a conflict.
    let reply = decide(&mut rowan, avery, on_note, "maybe", "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = error(&reply);
    assert!(refused.field("decision").is_some() && refused.field("text").is_some());
    let reply = decide(
        &mut rowan,
        avery,
        on_note,
        "accept",
        "Attendance on 12 May corrected: present.",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = decide(
        &mut rowan,
        avery,
        on_note,
        "deny",
        "Second thoughts about it.",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(error(&reply), AppError::EditConflict);
    let reply = decide(
        &mut rowan,
        avery,
        on_diagnosis,
        "deny",
        "The assessment supports the diagnosis.",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The patient reads both; disagrees with the denial, once; an
    // accepted request takes no statement.
    let theirs = mine(&mut patient).await.requests;
    let diagnosis_request = theirs
        .iter()
        .find(|r| r.id == on_diagnosis)
        .expect("theirs");
    assert_eq!(diagnosis_request.status, AmendmentStatus::Denied);
    assert_eq!(
        diagnosis_request.due_on,
        today_plus(90),
        "extended by 30 days"
    );
    assert!(diagnosis_request.extension.is_some());
    let disagree = |id: Uuid, words: &str| {
        vec![
            ("amendment_id", id.to_string()),
            ("statement", words.to_owned()),
        ]
    };
    let form = disagree(on_note, DISAGREEMENT);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = patient.call("/api/disagree-amendment", &form).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("statement").is_some());
    let form = disagree(on_diagnosis, DISAGREEMENT);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = patient.call("/api/disagree-amendment", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient.call("/api/disagree-amendment", &form).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // Every later copy carries them beside their items: the note with its
    // new addendum, the disagreement in the readable copy and in the
    // bundle, related to the diagnosis.
    let reply = patient
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient.fetch("/api/my-record").await;
    let copy: Option<RecordCopy> = serde_json::from_str(&reply.body).expect("copy");
    let copy = copy.expect("a record");
    assert!(
        copy.notes[0]
            .text()
            .contains("Amended at the patient's request: Attendance on 12 May corrected")
    );
    let about = copy.amendments_about(ItemKind::Diagnosis, None);
    assert_eq!(about.len(), 1);
    assert!(about[0].text().contains(DISAGREEMENT));
    assert_eq!(
        copy.amendments_about(ItemKind::Note, Some(note_id)).len(),
        1
    );
    let reply = patient.fetch("/me/record.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_valid_fhir(&reply.body);
    let bundle: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let condition = copy.diagnoses[0].id;
    let related = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"] == on_diagnosis.to_string())
        .expect("the request in the bundle");
    assert_eq!(
        related["context"]["related"][0]["reference"],
        format!("urn:uuid:{condition}")
    );
    let text = base64::engine::general_purpose::STANDARD
        .decode(
            related["content"][0]["attachment"]["data"]
                .as_str()
                .expect("data"),
        )
        .expect("base64");
    assert!(String::from_utf8_lossy(&text).contains(DISAGREEMENT));

    // What was decided stays decided, whoever writes to the table.
    let changed = diesel::update(amendments::table.find(on_note))
        .set(amendments::status.eq(AmendmentStatus::Denied))
        .execute(&mut conn)
        .await;
    assert!(changed.is_err(), "a decision is final");
    let changed = diesel::update(amendments::table.find(on_diagnosis))
        .set(amendments::disagreement_at.eq(diesel::dsl::now))
        .execute(&mut conn)
        .await;
    assert!(changed.is_err(), "a statement is filed once");
}

async fn stored(conn: &mut diesel_async::AsyncPgConnection, patient: Uuid) -> i64 {
    amendments::table
        .filter(amendments::patient_id.eq(patient))
        .count()
        .get_result(conn)
        .await
        .expect("count")
}

async fn denied(conn: &mut diesel_async::AsyncPgConnection, patient: Uuid) -> i64 {
    audit_events::table
        .filter(audit_events::patient_id.eq(patient))
        .filter(audit_events::outcome.eq(AuditOutcome::Denied))
        .count()
        .get_result(conn)
        .await
        .expect("count")
}

/// The patient asks about their details in `words[0]`; the care team
/// extends (`words[1]`) and denies (`words[2]`); the patient disagrees
/// (`words[3]`). Each step is answered 200.
pub(crate) async fn the_whole_exchange(
    patient: &mut Browser,
    therapist: &mut Browser,
    patient_id: Uuid,
    words: [&str; 4],
) {
    let details = mine(patient).await.items[0].key.clone();
    let reply = ask(patient, &details, words[0]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let amendment = requests(therapist, patient_id).await.requests[0].id;
    let reply = therapist
        .call(
            "/api/extend-amendment",
            &[
                ("patient_id", &patient_id.to_string()),
                ("amendment_id", &amendment.to_string()),
                ("reason", words[1]),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = decide(therapist, patient_id, amendment, "deny", words[2]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient
        .call(
            "/api/disagree-amendment",
            &[
                ("amendment_id", &amendment.to_string()),
                ("statement", words[3]),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
