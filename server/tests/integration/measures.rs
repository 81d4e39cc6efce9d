//! Questionnaires through the full router against PostgreSQL: a therapist
//! assigns a PHQ-9, the patient keeps a half-finished one and sends it
//! with the safety question positive, sees the crisis resources at once;
//! the care team is told by email (no health information), sees the flag
//! on the caseload, the home and the chart, and acknowledges it. Altered
//! or repeated submissions, someone else's questionnaire and a stopped one
//! are refused and change nothing.

use crate::charts::{ADMIN, AVERY, ROWAN, SAM, record_of};
use crate::plans::{chart, refused_on};
use crate::support::app::{Browser, Reply};
use app::{
    backend::{db::schema::measure_responses, practice_settings::DEFAULT_CRISIS_RESOURCES},
    model::{
        chart::Caseload,
        home::TherapistHome,
        measures::{Answered, Instrument, MyMeasures, Questionnaire},
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const JORDAN: &str = "jordan.lee@patients.example";

async fn mine(patient: &mut Browser) -> MyMeasures {
    let reply = patient.fetch("/api/my-measures").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let measures: Option<MyMeasures> = serde_json::from_str(&reply.body).expect("MyMeasures");
    measures.expect("a record")
}

async fn questionnaire(patient: &mut Browser, id: Uuid) -> Questionnaire {
    let reply = patient
        .fetch(&format!("/api/my-questionnaire?assignment_id={id}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("Questionnaire")
}

/// Answers `assignment` with `items` (blank for unanswered), sending it when
/// `finish`.
async fn answer(patient: &mut Browser, assignment: Uuid, items: &[&str], finish: bool) -> Reply {
    let id = assignment.to_string();
    let names = [
        "item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8", "item9",
    ];
    let mut form: Vec<(&str, &str)> = vec![("assignment_id", &id)];
    form.extend(names.iter().copied().zip(items.iter().copied()));
    form.push(("functional", "1"));
    form.push(("finish", if finish { "yes" } else { "no" }));
    patient.call("/api/answer-questionnaire", &form).await
}

async fn assign(therapist: &mut Browser, patient: Uuid, instrument: &str) -> Reply {
    therapist
        .call(
            "/api/assign-measure",
            &[
                ("patient_id", &patient.to_string()),
                ("instrument", instrument),
                ("schedule", "weekly"),
                ("first_due", ""),
            ],
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_positive_safety_item_reaches_the_care_team_and_is_acknowledged() {
    let (app, mail) = crate::mail::mailing_app(&[]).await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let mut patient = app.signed_in(AVERY).await;
    assert!(
        mine(&mut patient).await.due.is_empty(),
        "nothing assigned yet"
    );

    // Assigned, once per instrument.
    let reply = assign(&mut rowan, avery, "phq9").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let again = assign(&mut rowan, avery, "phq9").await;
    assert!(refused_on(&again, "instrument").contains("already assigned"));
    let bad = rowan
        .call(
            "/api/assign-measure",
            &[
                ("patient_id", &avery.to_string()),
                ("instrument", "bdi"),
                ("schedule", "daily"),
                ("first_due", "2001-01-01"),
            ],
        )
        .await;
    refused_on(&bad, "instrument");
    refused_on(&bad, "schedule");
    refused_on(&bad, "first_due");
    let due = mine(&mut patient).await.due;
    let [due] = due.as_slice() else {
        panic!("one questionnaire due: {due:?}")
    };
    assert_eq!(due.instrument, Instrument::Phq9);
    assert!(!due.started);
    let id = due.assignment_id;

    // Half-finished: kept, and offered again as it was.
    let kept = answer(
        &mut patient,
        id,
        &["1", "", "", "", "", "", "", "", ""],
        false,
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(
        serde_json::from_str::<Answered>(&kept.body).ok(),
        Some(Answered::Kept)
    );
    assert!(mine(&mut patient).await.due[0].started);
    // Sending it incomplete, or with an answer off the scale, is refused and
    // changes nothing.
    let incomplete = answer(
        &mut patient,
        id,
        &["1", "", "2", "", "", "", "", "", ""],
        true,
    )
    .await;
    assert!(refused_on(&incomplete, "item2").contains("Choose an answer"));
    let altered = answer(
        &mut patient,
        id,
        &["1", "1", "7", "1", "1", "1", "1", "1", "1"],
        true,
    )
    .await;
    refused_on(&altered, "item3");
    let form = questionnaire(&mut patient, id).await;
    assert_eq!(form.items[0], Some(1));
    assert_eq!(form.items[2], None, "the refused answers were not kept");
    assert!(form.sent.is_none());

    // Sent with the safety question answered "More than half the days".
    let sent = answer(
        &mut patient,
        id,
        &["2", "2", "1", "2", "1", "2", "1", "0", "2"],
        true,
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let answered: Answered = serde_json::from_str(&sent.body).expect("Answered");
    assert_eq!(
        answered,
        Answered::Submitted {
            crisis: Some(DEFAULT_CRISIS_RESOURCES.to_owned()),
            score: Some(13),
        }
    );
    let twice = answer(&mut patient, id, &["0"; 9], true).await;
    assert!(refused_on(&twice, "questionnaire").contains("already sent"));
    assert_eq!(
        questionnaire(&mut patient, id).await.sent,
        Some(answered),
        "a reload shows the crisis resources again"
    );
    assert!(
        mine(&mut patient).await.due.is_empty(),
        "nothing more due this week"
    );

    // The care team: flagged on the caseload, the home and the chart.
    let caseload: Caseload =
        serde_json::from_str(&rowan.fetch("/api/caseload").await.body).expect("caseload");
    let row = caseload
        .rows
        .iter()
        .find(|r| r.patient_id == avery)
        .expect("Avery listed");
    assert!(row.to_review);
    assert!(
        caseload
            .rows
            .iter()
            .filter(|r| r.patient_id != avery)
            .all(|r| !r.to_review)
    );
    let home: TherapistHome =
        serde_json::from_str(&rowan.fetch("/api/therapist-home").await.body).expect("home");
    assert_eq!(
        home.to_review
            .iter()
            .map(|p| p.patient_id)
            .collect::<Vec<_>>(),
        [avery]
    );
    let seen = chart(&mut rowan, avery).await;
    let [trend] = seen.measures.trends.as_slice() else {
        panic!("one trend: {:?}", seen.measures.trends)
    };
    let [point] = trend.points.as_slice() else {
        panic!("one score")
    };
    assert_eq!(
        (point.total, point.safety, point.safety_answer),
        (13, true, 2)
    );
    assert!(point.needs_review);
    let response = point.response_id;

    // Told by email, once, with nothing about the patient in it.
    let mailer = app.state.mailer.clone().expect("mail configured");
    let vault = &app.state.vault;
    let notified = app::backend::records::measures::review::notify(&mut conn, vault, &mailer)
        .await
        .expect("notify");
    assert_eq!(notified, 1);
    let again = app::backend::records::measures::review::notify(&mut conn, vault, &mailer)
        .await
        .expect("notify");
    assert_eq!(again, 0, "each response is notified once");
    let sent = mail.lock().expect("lock").clone();
    let notice = sent
        .iter()
        .find(|m| m.contains("needs your review"))
        .expect("a review notice");
    assert!(notice.contains(&format!("To: {ROWAN}")), "{notice}");
    for secret in ["Avery", "Quinn", "PHQ", "score", "harm"] {
        assert!(!notice.contains(secret), "{secret} in {notice}");
    }

    // Someone not on the team cannot acknowledge it; a note too long is
    // refused; then the team acknowledges it, once.
    let mut sam = app.signed_in(SAM).await;
    let stranger = sam
        .call(
            "/api/acknowledge-measure",
            &[("response_id", &response.to_string()), ("note", "")],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "{}", stranger.body);
    let long = "x".repeat(1001);
    let too_long = rowan
        .call(
            "/api/acknowledge-measure",
            &[("response_id", &response.to_string()), ("note", &long)],
        )
        .await;
    refused_on(&too_long, "note");
    let done = rowan
        .call(
            "/api/acknowledge-measure",
            &[
                ("response_id", &response.to_string()),
                ("note", "Called Avery; safety plan reviewed."),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let twice = rowan
        .call(
            "/api/acknowledge-measure",
            &[("response_id", &response.to_string()), ("note", "")],
        )
        .await;
    refused_on(&twice, "note");
    let (acknowledged, sealed): (bool, Option<Vec<u8>>) = measure_responses::table
        .find(response)
        .select((
            measure_responses::acknowledged_at.is_not_null(),
            measure_responses::acknowledgement_sealed,
        ))
        .first(&mut conn)
        .await
        .expect("response");
    assert!(acknowledged);
    let sealed = sealed.expect("the note is kept");
    assert!(
        !String::from_utf8_lossy(&sealed).contains("safety plan"),
        "the note is sealed"
    );
    let caseload: Caseload =
        serde_json::from_str(&rowan.fetch("/api/caseload").await.body).expect("caseload");
    assert!(
        caseload.rows.iter().all(|r| !r.to_review),
        "the flag is gone"
    );
    let seen = chart(&mut rowan, avery).await;
    let point = &seen.measures.trends[0].points[0];
    assert!(!point.needs_review);
    assert!(
        point
            .acknowledged
            .as_deref()
            .is_some_and(|a| a.contains("Rowan"))
    );
    assert_eq!(
        point.acknowledgement_note.as_deref(),
        Some("Called Avery; safety plan reviewed.")
    );

    // The patient sees their score, never the clinician's note; and not
    // even the score once the practice says so.
    let own = mine(&mut patient).await;
    assert_eq!(own.trends[0].points[0].total, 13);
    assert!(own.trends[0].points[0].acknowledgement_note.is_none());
    let mut admin = app.signed_in(ADMIN).await;
    let empty = admin
        .call(
            "/api/practice-questionnaires",
            &[("crisis_resources", "  ")],
        )
        .await;
    refused_on(&empty, "crisis_resources");
    let set = admin
        .call(
            "/api/practice-questionnaires",
            &[(
                "crisis_resources",
                "Call the practice on 555-0100.\nCall or text 988.",
            )],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let own = mine(&mut patient).await;
    assert!(!own.shows_scores);
    assert!(own.trends.is_empty());
    assert!(own.crisis_resources.contains("555-0100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_questionnaire_is_its_patients_alone_and_a_stopped_one_is_gone() {
    let app = crate::support::TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let reply = assign(&mut rowan, avery, "gad7").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut patient = app.signed_in(AVERY).await;
    let id = mine(&mut patient).await.due[0].assignment_id;

    // Another patient cannot read or answer it.
    let mut jordan = app.signed_in(JORDAN).await;
    let read = jordan
        .fetch(&format!("/api/my-questionnaire?assignment_id={id}"))
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.body);
    let wrote = answer(&mut jordan, id, &["3"; 9], true).await;
    assert_eq!(wrote.status, StatusCode::NOT_FOUND, "{}", wrote.body);
    // A GAD-7 sent with a PHQ-9's nine answers is an altered form.
    let altered = answer(&mut patient, id, &["1"; 9], true).await;
    refused_on(&altered, "questionnaire");
    let count: i64 = measure_responses::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing was kept");

    // A GAD-7 has no safety question: no crisis panel, no flag.
    let items = ["3", "2", "2", "1", "1", "2", "1", "", ""];
    let sent = answer(&mut patient, id, &items, true).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        serde_json::from_str::<Answered>(&sent.body).ok(),
        Some(Answered::Submitted {
            crisis: None,
            score: Some(12)
        })
    );
    let seen = chart(&mut rowan, avery).await;
    assert!(seen.measures.to_review().is_empty());
    let [assignment] = seen.measures.assignments.as_slice() else {
        panic!("one assignment")
    };
    assert!(assignment.next_due.is_some(), "weekly: due again next week");

    // Stopped: no longer due, and no longer answerable.
    let stopped = rowan
        .call("/api/stop-measure", &[("assignment_id", &id.to_string())])
        .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);
    let again = rowan
        .call("/api/stop-measure", &[("assignment_id", &id.to_string())])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    assert!(mine(&mut patient).await.due.is_empty());
    let late = answer(&mut patient, id, &items, false).await;
    assert_eq!(late.status, StatusCode::NOT_FOUND, "{}", late.body);
    let seen = chart(&mut rowan, avery).await;
    assert!(seen.measures.assignments.is_empty());
    assert_eq!(
        seen.measures.trends[0].points.len(),
        1,
        "what was answered stays"
    );
}
