//! Diagnoses, treatment plans, the patient's own contact details and the
//! administrators' roster, through the full router against PostgreSQL:
//! bad input is refused field by field and changes nothing; concurrent
//! plan edits are detected; the portal shows a plan's goals and nothing
//! else; the roster shows names and care teams, and its changes (care
//! team, removal) are recorded and take effect on the policy at once.

use crate::charts::{ADMIN, AVERY, ROWAN, SAM, error, record_of, user_id};
use crate::support::{
    TestApp,
    app::{Browser, Reply},
};
use app::{
    backend::db::schema::{audit_events, diagnoses, patients, treatment_plans},
    error::AppError,
    model::{
        audit::AuditAction,
        chart::{Caseload, Chart, DiagnosisStatus},
        patient::{MyInformation, MyPlan},
        roster::Roster,
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

fn day_from_today(days: i64) -> String {
    app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

pub(crate) fn refused_on(reply: &Reply, field: &str) -> String {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    error(reply)
        .field(field)
        .unwrap_or_else(|| panic!("a message for {field}: {}", reply.body))
}

pub(crate) async fn chart(browser: &mut Browser, patient: Uuid) -> Chart {
    let reply = browser
        .fetch(&format!("/api/chart?patient_id={patient}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("Chart")
}

/// The newest event: (action, kind of resource).
async fn newest_action(conn: &mut AsyncPgConnection) -> (AuditAction, Option<String>) {
    audit_events::table
        .order(audit_events::id.desc())
        .select((audit_events::action, audit_events::resource_type))
        .first(conn)
        .await
        .expect("an event")
}

#[tokio::test(flavor = "multi_thread")]
async fn diagnoses_are_checked_recorded_resolved_and_sealed() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let patient = avery.to_string();

    let tomorrow_but_one = day_from_today(2);
    let reply = rowan
        .call(
            "/api/add-diagnosis",
            &[
                ("patient_id", &patient),
                ("code", "anxiety"),
                ("description", ""),
                ("onset_date", &tomorrow_but_one),
            ],
        )
        .await;
    assert!(refused_on(&reply, "code").contains("ICD-10"));
    assert!(error(&reply).field("description").is_some());
    assert!(error(&reply).field("onset_date").is_some());
    let stored: i64 = diagnoses::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 0, "bad input stores nothing");

    let onset = day_from_today(-30);
    let reply = rowan
        .call(
            "/api/add-diagnosis",
            &[
                ("patient_id", &patient),
                ("code", " f41.1 "),
                ("description", "Generalized anxiety disorder"),
                ("onset_date", &onset),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        newest_action(&mut conn).await,
        (AuditAction::RecordCreated, Some("diagnosis".into()))
    );
    let seen = chart(&mut rowan, avery).await;
    assert_eq!(seen.diagnoses.len(), 1);
    let diagnosis = &seen.diagnoses[0];
    assert_eq!(diagnosis.code, "F41.1");
    assert_eq!(diagnosis.status, DiagnosisStatus::Active);
    assert_eq!(diagnosis.onset_date, onset);
    assert_eq!(diagnosis.recorded_by, "Dr. Rowan Ellis");

    // Sealed: the code is nowhere in the row's bytes.
    let body: Vec<u8> = diagnoses::table
        .select(diagnoses::body_sealed)
        .first(&mut conn)
        .await
        .expect("row");
    assert!(!body.windows(5).any(|w| w == b"F41.1"));

    // A resolution before the onset is refused; a good one sticks, once.
    let id = diagnosis.id.to_string();
    let before = day_from_today(-31);
    let reply = rowan
        .call(
            "/api/resolve-diagnosis",
            &[("diagnosis_id", &id), ("resolved_date", &before)],
        )
        .await;
    assert!(refused_on(&reply, "resolved_date").contains("before"));
    let today = day_from_today(0);
    let reply = rowan
        .call(
            "/api/resolve-diagnosis",
            &[("diagnosis_id", &id), ("resolved_date", &today)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let again = rowan
        .call(
            "/api/resolve-diagnosis",
            &[("diagnosis_id", &id), ("resolved_date", &today)],
        )
        .await;
    assert!(refused_on(&again, "resolved_date").contains("already"));
    let seen = chart(&mut rowan, avery).await;
    assert_eq!(seen.diagnoses[0].status, DiagnosisStatus::Resolved);
    assert_eq!(
        seen.diagnoses[0].resolved_date.as_deref(),
        Some(today.as_str())
    );

    // Someone off the care team is told there is no such diagnosis's
    // patient, and that is recorded.
    let mut sam = app.signed_in(SAM).await;
    let reply = sam
        .call(
            "/api/resolve-diagnosis",
            &[("diagnosis_id", &id), ("resolved_date", &today)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(newest_action(&mut conn).await.0, AuditAction::AccessDenied);
}

pub(crate) async fn save_plan(
    browser: &mut Browser,
    patient: &str,
    version: &str,
    goals: &str,
    review: &str,
) -> Reply {
    browser
        .call(
            "/api/save-plan",
            &[
                ("patient_id", patient),
                ("version", version),
                ("goals", goals),
                ("objectives", "Panic episodes under two a week by March"),
                ("interventions", "Interoceptive exposure\nCBT for insomnia"),
                ("review_date", review),
            ],
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_is_versioned_and_the_patient_sees_its_goals_only() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let mut patient_browser = app.signed_in(AVERY).await;
    let patient = avery.to_string();

    let reply = patient_browser.fetch("/api/my-plan").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.trim(), "null", "no plan yet");

    let review = day_from_today(90);
    let reply = save_plan(&mut rowan, &patient, "0", " \n ", &day_from_today(-1)).await;
    assert!(refused_on(&reply, "goals").contains("at least one"));
    assert!(error(&reply).field("review_date").is_some());
    let plans: i64 = treatment_plans::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(plans, 0);

    let reply = save_plan(
        &mut rowan,
        &patient,
        "0",
        "Sleep through the night\nReturn to running",
        &review,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body.trim(), "1");
    // A second "first plan" (someone who opened the page before) and a
    // save from an old version are both refused, and change nothing.
    let reply = save_plan(&mut rowan, &patient, "0", "Something else", &review).await;
    assert_eq!(error(&reply), AppError::EditConflict);
    let reply = save_plan(&mut rowan, &patient, "1", "Sleep better", &review).await;
    assert_eq!(reply.body.trim(), "2", "{}", reply.body);
    let reply = save_plan(&mut rowan, &patient, "1", "Stale edit", &review).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let plan = chart(&mut rowan, avery).await.plan.expect("a plan");
    assert_eq!(plan.goals, ["Sleep better"]);
    assert_eq!(
        plan.interventions,
        ["Interoceptive exposure", "CBT for insomnia"]
    );
    assert_eq!(plan.version, 2);

    let reply = patient_browser.fetch("/api/my-plan").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine: MyPlan = serde_json::from_str(&reply.body).expect("MyPlan");
    assert_eq!(mine.goals, ["Sleep better"]);
    assert_eq!(mine.review_date, review);
    assert!(
        !reply.body.contains("Interoceptive"),
        "no interventions in the portal"
    );
    assert!(!reply.body.contains("Panic"), "no objectives in the portal");
    assert_eq!(newest_action(&mut conn).await.0, AuditAction::RecordViewed);

    // Staff keep no plan here; they and nobody signed in are refused.
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(
        admin.fetch("/api/my-plan").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.browser().fetch("/api/my-plan").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn patients_change_their_own_contact_details_and_search_follows() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let mut avery = app.signed_in(AVERY).await;
    let before = avery.fetch("/api/my-information").await.body;

    let reply = avery
        .call("/api/my-contact", &[("email", "avery@"), ("phone", "12")])
        .await;
    assert!(refused_on(&reply, "email").contains("email address"));
    assert!(error(&reply).field("phone").is_some());
    assert_eq!(
        avery.fetch("/api/my-information").await.body,
        before,
        "nothing changed"
    );

    let reply = avery
        .call(
            "/api/my-contact",
            &[
                ("email", "Avery.New@Patients.Example"),
                ("phone", "+1 555 0100 777"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(newest_action(&mut conn).await.0, AuditAction::RecordUpdated);
    let reply = avery.fetch("/api/my-information").await;
    let mine: MyInformation = serde_json::from_str(&reply.body).expect("MyInformation");
    assert_eq!(mine.email.as_deref(), Some("avery.new@patients.example"));
    assert_eq!(mine.phone.as_deref(), Some("+1 555 0100 777"));

    // The blind index moved with the value: the new address finds them,
    // the old one no longer does.
    let mut rowan = app.signed_in(ROWAN).await;
    let find = async |browser: &mut Browser, search: &str| -> usize {
        let reply = browser
            .fetch(&format!(
                "/api/caseload?search={}",
                search
                    .replace('@', "%40")
                    .replace('+', "%2B")
                    .replace(' ', "+")
            ))
            .await;
        let caseload: Caseload = serde_json::from_str(&reply.body).expect("Caseload");
        caseload.rows.len()
    };
    assert_eq!(find(&mut rowan, "avery.new@patients.example").await, 1);
    assert_eq!(find(&mut rowan, "+1 555 0100 777").await, 1);
    assert_eq!(find(&mut rowan, AVERY).await, 0);

    // Blank removes.
    let reply = avery
        .call("/api/my-contact", &[("email", ""), ("phone", "")])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let mine: MyInformation =
        serde_json::from_str(&avery.fetch("/api/my-information").await.body).expect("info");
    assert!(mine.email.is_none() && mine.phone.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_roster_assigns_care_teams_and_removes_patients_with_a_record() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let sam_id = user_id(&mut conn, SAM).await;
    let mut admin = app.signed_in(ADMIN).await;
    let mut sam = app.signed_in(SAM).await;

    let reply = admin.fetch("/api/roster").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let roster: Roster = serde_json::from_str(&reply.body).expect("Roster");
    let row = roster
        .rows
        .iter()
        .find(|r| r.patient_id == avery)
        .expect("Avery on the roster");
    assert_eq!(row.legal_name.as_deref(), Some("Avery Quinn"));
    assert!(row.portal_account);
    let team: Vec<&str> = row.care_team.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(team, ["Dr. Rowan Ellis"]);
    assert!(roster.therapists.iter().any(|t| t.id == sam_id));
    // The minimum: no date of birth, email or phone in the answer.
    assert!(!reply.body.contains("avery.quinn@"), "no contact details");
    assert!(!reply.body.contains("1988-03-14"), "no dates of birth");
    let listed: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordListed))
        .filter(audit_events::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(listed, 1, "showing the name is recorded");

    // Sam cannot open Avery's chart until an administrator adds him.
    let path = format!("/api/chart?patient_id={avery}");
    assert_eq!(sam.fetch(&path).await.status, StatusCode::NOT_FOUND);
    let patient = avery.to_string();
    let sam_text = sam_id.to_string();
    let reply = admin
        .call(
            "/api/care-team",
            &[("patient_id", &patient), ("therapist_id", "")],
        )
        .await;
    assert!(refused_on(&reply, "therapist_id").contains("Choose"));
    let reply = admin
        .call(
            "/api/care-team",
            &[("patient_id", &patient), ("therapist_id", &sam_text)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(newest_action(&mut conn).await.0, AuditAction::CareTeamAdded);
    assert_eq!(sam.fetch(&path).await.status, StatusCode::OK);
    let reply = admin
        .call(
            "/api/care-team",
            &[
                ("patient_id", &patient),
                ("therapist_id", &sam_text),
                ("remove", "true"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        newest_action(&mut conn).await.0,
        AuditAction::CareTeamRemoved
    );
    assert_eq!(sam.fetch(&path).await.status, StatusCode::NOT_FOUND);

    // Removal needs the word; then the patient leaves every list, the row
    // stays (retention), and the act is recorded with who did it.
    let reply = admin
        .call(
            "/api/remove-patient",
            &[("patient_id", &patient), ("confirm", "yes")],
        )
        .await;
    assert!(refused_on(&reply, "confirm").contains("remove"));
    let reply = admin
        .call(
            "/api/remove-patient",
            &[("patient_id", &patient), ("confirm", "remove")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(newest_action(&mut conn).await.0, AuditAction::RecordDeleted);
    let (deleted_at, deleted_by): (Option<time::OffsetDateTime>, Option<Uuid>) = patients::table
        .find(avery)
        .select((patients::deleted_at, patients::deleted_by))
        .first(&mut conn)
        .await
        .expect("the row is still there");
    assert!(deleted_at.is_some());
    assert_eq!(deleted_by, Some(user_id(&mut conn, ADMIN).await));
    let roster: Roster =
        serde_json::from_str(&admin.fetch("/api/roster").await.body).expect("Roster");
    assert!(roster.rows.iter().all(|r| r.patient_id != avery));
    let mut rowan = app.signed_in(ROWAN).await;
    assert_eq!(rowan.fetch(&path).await.status, StatusCode::NOT_FOUND);
    let caseload: Caseload =
        serde_json::from_str(&rowan.fetch("/api/caseload").await.body).expect("Caseload");
    assert!(caseload.rows.iter().all(|r| r.patient_id != avery));
    // And the application's database role (the tests' connection) may not
    // erase it.
    let erased = diesel::sql_query(format!("DELETE FROM patients WHERE id = '{avery}'"))
        .execute(&mut conn)
        .await
        .expect_err("retention");
    assert!(erased.to_string().contains("permission denied"), "{erased}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_therapist_adds_a_patient_and_joins_their_care_team() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let mut rowan = app.signed_in(ROWAN).await;
    let before: i64 = patients::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");

    let reply = rowan
        .call(
            "/api/add-patient",
            &[
                ("legal_name", "  "),
                ("date_of_birth", "1890-01-01"),
                ("phone", "12"),
            ],
        )
        .await;
    assert!(refused_on(&reply, "legal_name").contains("name"));
    assert!(error(&reply).field("date_of_birth").is_some());
    assert!(error(&reply).field("phone").is_some());
    let after: i64 = patients::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(after, before, "bad input adds no one");

    let reply = rowan
        .call(
            "/api/add-patient",
            &[
                ("legal_name", "Robin Example"),
                ("date_of_birth", "1990-05-01"),
                ("email", "robin@patients.example"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id: Uuid = serde_json::from_str(&reply.body).expect("an id");
    let seen = chart(&mut rowan, id).await;
    assert_eq!(seen.legal_name, "Robin Example");
    assert_eq!(seen.care_team, ["Dr. Rowan Ellis"]);
    let actions: Vec<AuditAction> = audit_events::table
        .filter(audit_events::patient_id.eq(id))
        .order(audit_events::id)
        .select(audit_events::action)
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(
        actions[..2],
        [AuditAction::RecordCreated, AuditAction::CareTeamAdded]
    );
    // Someone else's caseload does not have them.
    let mut sam = app.signed_in(SAM).await;
    let path = format!("/api/chart?patient_id={id}");
    assert_eq!(sam.fetch(&path).await.status, StatusCode::NOT_FOUND);
}
