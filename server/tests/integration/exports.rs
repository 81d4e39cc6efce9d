//! Copies of a record through the full router against PostgreSQL: the
//! patient's own (readable and FHIR) after confirming with their password,
//! a staff copy after a fresh code; every section in both, addenda with
//! their notes, psychotherapy notes in neither (for every export path),
//! each copy recorded and shown in the patient's own history, and the FHIR
//! bundle valid against the published R4 schema.

use crate::charts::{ADMIN, AVERY, ROWAN, SAM, error, record_of, user_id};
use crate::support::{TestApp, app::Browser};
use app::{
    backend::{db::schema::audit_events, seed::DEMO_PASSWORD},
    error::AppError,
    model::{
        audit::{AuditAction, AuditOutcome, RecordAccess},
        chart::SavedNote,
        record::RecordCopy,
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use std::{path::Path, process::Command};
use uuid::Uuid;

pub(crate) const PROGRESS_TEXT: &str = "Sleeping six hours; practising the breathing exercise.";
pub(crate) const ADDENDUM_TEXT: &str = "Correction: the session lasted 50 minutes.";
const PRIVATE_TEXT: &str = "canary-export-7f3a private formulation";

/// A record with something in every section: a signed progress note with
/// an addendum, a diagnosis, a treatment plan, a safety plan, details and
/// insurance, plus a shared psychotherapy note that no copy may hold.
pub(crate) async fn full_record(rowan: &mut Browser, patient: Uuid) {
    let id = patient.to_string();
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let review =
        app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(90));
    let saved = rowan
        .call(
            "/api/save-note",
            &[
                ("patient_id", &id),
                ("template", "dap"),
                ("session_date", &today),
                ("data", PROGRESS_TEXT),
                ("assessment", "Improving."),
                ("plan", "Continue weekly."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: SavedNote = serde_json::from_str(&saved.body).expect("saved");
    let note = saved.id.to_string();
    let steps: [(&str, &[(&str, &str)]); 7] = [
        ("/api/sign-note", &[("note_id", &note), ("version", "1")]),
        (
            "/api/add-addendum",
            &[("note_id", &note), ("text", ADDENDUM_TEXT)],
        ),
        (
            "/api/add-diagnosis",
            &[
                ("patient_id", &id),
                ("code", "F41.1"),
                ("description", "Generalized anxiety disorder"),
                ("onset_date", &today),
            ],
        ),
        (
            "/api/save-plan",
            &[
                ("patient_id", &id),
                ("version", "0"),
                ("goals", "Sleep through the night"),
                ("interventions", "CBT for insomnia"),
                ("review_date", &review),
            ],
        ),
        (
            "/api/save-safety-plan",
            &[
                ("patient_id", &id),
                ("version", "0"),
                ("warning_signs", "Not sleeping"),
                ("reasons", "My niece"),
            ],
        ),
        (
            "/api/save-details",
            &[
                ("patient_id", &id),
                ("preferred_name", "Ave"),
                ("pronouns", "they/them"),
                ("gender_identity", "Non-binary"),
                ("language", "English"),
                ("address_line1", "12 Example Lane"),
                ("city", "Springfield"),
                ("region", "IL"),
                ("postal_code", "62701"),
                ("country", "US"),
                ("contact_name", "Sam Quinn"),
                ("contact_relationship", "Sister"),
                ("contact_phone", "555-0142"),
                ("contact_may_disclose", "on"),
            ],
        ),
        (
            "/api/add-insurance",
            &[
                ("patient_id", &id),
                ("payer", "Example Health Plan"),
                ("member_id", "XJ-1001"),
                ("group_number", "G-77"),
                ("subscriber", "self"),
            ],
        ),
    ];
    for (path, form) in steps {
        let reply = rowan.call(path, form).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    crate::psychotherapy::psychotherapy_note(rowan, patient, true, PRIVATE_TEXT).await;
}

/// Checks `bundle` with the R4 schema validator the end-to-end tests use
/// (`end2end/fhir/validate.mjs`: Ajv and the published R4 JSON schema).
pub(crate) fn assert_valid_fhir(bundle: &str) {
    let file = std::env::temp_dir().join(format!("cairn-bundle-{}.json", Uuid::new_v4()));
    std::fs::write(&file, bundle).expect("bundle written");
    assert_valid_fhir_files(std::slice::from_ref(&file));
    let _ = std::fs::remove_file(&file);
}

/// The same for files: each a resource, or one per line (`.ndjson`).
pub(crate) fn assert_valid_fhir_files(files: &[std::path::PathBuf]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("node")
        .arg(root.join("end2end/fhir/validate.mjs"))
        .args(files)
        .output()
        .expect("node runs (scripts/dev installs end2end's packages)");
    assert!(
        out.status.success(),
        "not valid FHIR R4:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn resource_types(bundle: &serde_json::Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            e["resource"]["resourceType"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patient_takes_their_whole_record_but_never_psychotherapy_notes() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let avery_account = user_id(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    full_record(&mut rowan, avery).await;

    // Not without confirming it is them; a wrong password is said beside
    // the field and confirms nothing.
    let mut patient = app.signed_in(AVERY).await;
    let reply = patient.fetch("/api/my-record").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error(&reply), AppError::StepUpRequired);
    assert_eq!(
        patient.fetch("/me/record.json").await.status,
        StatusCode::FORBIDDEN
    );
    let reply = patient
        .call("/api/step-up", &[("password", "not-my-password-1")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("password").is_some());
    assert_eq!(
        patient.fetch("/api/my-record").await.status,
        StatusCode::FORBIDDEN
    );
    let reply = patient
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The readable copy: every section.
    let reply = patient.fetch("/api/my-record").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        !reply.body.contains("canary-export"),
        "no psychotherapy note"
    );
    let copy: Option<RecordCopy> = serde_json::from_str(&reply.body).expect("copy");
    let copy = copy.expect("a record");
    assert_eq!(copy.practice, app::backend::seed::DEMO_PRACTICE_NAME);
    assert_eq!(copy.patient.legal_name, "Avery Quinn");
    assert_eq!(copy.patient.details.preferred_name.as_deref(), Some("Ave"));
    assert_eq!(copy.insurance.len(), 1);
    assert_eq!(copy.diagnoses[0].code, "F41.1");
    assert_eq!(
        copy.treatment_plan.expect("plan").goals,
        ["Sleep through the night"]
    );
    assert!(copy.safety_plan.is_some());
    assert_eq!(copy.notes.len(), 1, "the signed progress note alone");
    let text = copy.notes[0].text();
    assert!(
        text.contains(PROGRESS_TEXT) && text.contains(ADDENDUM_TEXT),
        "{text}"
    );

    // The FHIR file: a download, valid R4, the same sections.
    let reply = patient.fetch("/me/record.json").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/fhir+json"))
    );
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment"))
    );
    assert!(
        !reply.body.contains("canary-export"),
        "no psychotherapy note"
    );
    assert_valid_fhir(&reply.body);
    let bundle: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let types = resource_types(&bundle);
    for wanted in [
        "Patient",
        "Coverage",
        "Condition",
        "Goal",
        "CarePlan",
        "DocumentReference",
    ] {
        assert!(types.iter().any(|t| t == wanted), "{wanted} in {types:?}");
    }
    let document = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["resource"]["resourceType"] == "DocumentReference")
        .expect("the note");
    use base64::Engine;
    let data = document["resource"]["content"][0]["attachment"]["data"]
        .as_str()
        .expect("data");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64");
    let decoded = String::from_utf8(decoded).expect("text");
    assert!(
        decoded.contains(ADDENDUM_TEXT),
        "the addendum travels with its note"
    );

    // Both copies recorded as the patient's, through each endpoint, and
    // shown in their own history.
    let exported: Vec<(Option<Uuid>, Option<Uuid>, Option<String>)> = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordExported))
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .order(audit_events::id)
        .select((
            audit_events::actor_id,
            audit_events::patient_id,
            audit_events::resource_id,
        ))
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(
        exported,
        [
            (
                Some(avery_account),
                Some(avery),
                Some("my-record".to_owned())
            ),
            (
                Some(avery_account),
                Some(avery),
                Some("my-record-fhir".to_owned())
            ),
        ]
    );
    let reply = patient.fetch("/api/my-record-access").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let history: Vec<RecordAccess> = serde_json::from_str(&reply.body).expect("history");
    let mine: Vec<&RecordAccess> = history.iter().filter(|a| a.who == "You").collect();
    assert_eq!(
        mine.len(),
        2,
        "their own copies, and nothing else of theirs"
    );
    assert!(mine.iter().all(|a| a.what == "Record exported"));
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_copies_need_a_fresh_code_follow_the_policy_and_hold_no_psychotherapy_note() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    full_record(&mut rowan, avery).await;
    let copy = format!("/api/record-copy?patient_id={avery}");
    let file = format!("/patients/{avery}/record.json");

    // The author of the psychotherapy note, on the care team: with a fresh
    // code, a copy without it, by either path.
    assert_eq!(rowan.fetch(&copy).await.status, StatusCode::FORBIDDEN);
    crate::mfa::enroll(&mut rowan).await;
    for path in [&copy, &file] {
        let reply = rowan.fetch(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert!(
            reply.body.contains("Generalized anxiety disorder"),
            "{path}"
        );
        assert!(
            !reply.body.contains("canary-export"),
            "{path}: no psychotherapy note"
        );
    }
    assert_valid_fhir(&rowan.fetch(&file).await.body);

    // The administrator too; a therapist off the team, or under emergency
    // access, never: not found, and recorded.
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = admin.fetch(&copy).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains("canary-export"));
    let mut sam = app.signed_in(SAM).await;
    crate::mfa::enroll(&mut sam).await;
    assert_eq!(sam.fetch(&copy).await.status, StatusCode::NOT_FOUND);
    let reply = sam
        .call(
            "/api/emergency-access",
            &[
                ("patient_id", &avery.to_string()),
                ("reason", "After-hours crisis call needs the safety plan"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(sam.fetch(&copy).await.status, StatusCode::NOT_FOUND);
    assert_eq!(sam.fetch(&file).await.status, StatusCode::NOT_FOUND);
    let sam_id = user_id(&mut conn, SAM).await;
    let refused: i64 = audit_events::table
        .filter(audit_events::actor_id.eq(sam_id))
        .filter(audit_events::action.eq(AuditAction::AccessDenied))
        .filter(audit_events::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(refused, 3);
}
