//! Copies of a record (the readable copy and the FHIR file) and its
//! disclosures against everyone: a patient their own, the care team and
//! the practice's administrator a patient's, never under emergency access,
//! never another practice; disclosures are recorded by staff alone. Everyone signed in has just confirmed it is them (step-up),
//! so what answers is the policy alone; each answer leaves its event.

use super::{A, Call, EVERYONE, F, H, PORTAL, Row, S, Who, check, setup};
use http::StatusCode;

/// A copy of patient A's record: patient A themself, the care team, the
/// practice's administrator; never emergency access.
const RECORD_COPY: Row = [S, A, H, A, H, H, A, H];
/// Recording a disclosure of patient A's record, or reading the
/// accounting: the care team and the practice's administrator (patients
/// are refused by their role, their own record included).
const DISCLOSURES: Row = [S, F, F, A, H, H, A, H];

fn correction(patient: uuid::Uuid, name: &str) -> Call {
    Call::Post(
        "/api/correct-identity",
        vec![
            ("patient_id", patient.to_string()),
            ("legal_name", name.into()),
            ("reason", "Checked against the passport".into()),
        ],
    )
}

fn disclosure(patient: uuid::Uuid, endpoint: &'static str) -> Call {
    Call::Post(
        endpoint,
        vec![
            ("patient_id", patient.to_string()),
            ("recipient", "Example County Court".into()),
            ("description", "Attendance dates".into()),
            ("kind", "other".into()),
            ("purpose", "Subpoena".into()),
            ("legal_basis", "court-order".into()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_copies_of_a_record_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    // The therapist in emergency access confirmed with a code moments ago;
    // everyone else signed in confirms with their password (none of them
    // has an authenticator).
    for who in EVERYONE {
        if matches!(who, Who::Anonymous | Who::TherapistInEmergency) {
            continue;
        }
        let (browser, _) = people.get(who);
        let reply = browser
            .call(
                "/api/step-up",
                &[("password", app::backend::seed::DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{who:?}: {}", reply.body);
    }
    // The file routes are pages to someone not signed in: sent to sign in
    // by the edge before anything is read (`edge.rs` covers that).
    let signed_in: Vec<Who> = EVERYONE
        .iter()
        .copied()
        .filter(|w| *w != Who::Anonymous)
        .collect();
    let table: Vec<(&str, Call, Row, &[Who])> = vec![
        (
            "record-copy",
            Call::Get(format!("/api/record-copy?patient_id={patient}")),
            RECORD_COPY,
            &EVERYONE,
        ),
        (
            "record-copy-fhir",
            Call::Get(format!("/patients/{patient}/record.json")),
            RECORD_COPY,
            &signed_in,
        ),
        (
            "record-copy-for",
            disclosure(patient, "/api/record-copy-for"),
            DISCLOSURES,
            &EVERYONE,
        ),
        (
            "record-disclosure",
            disclosure(patient, "/api/record-disclosure"),
            DISCLOSURES,
            &EVERYONE,
        ),
        (
            "disclosures",
            Call::Get(format!("/api/disclosures?patient_id={patient}")),
            DISCLOSURES,
            &EVERYONE,
        ),
        (
            "identity-corrections",
            Call::Get(format!("/api/identity-corrections?patient_id={patient}")),
            DISCLOSURES,
            &EVERYONE,
        ),
        (
            "my-disclosures",
            Call::Get("/api/my-disclosures".into()),
            PORTAL,
            &EVERYONE,
        ),
        (
            "my-record",
            Call::Get("/api/my-record".into()),
            PORTAL,
            &EVERYONE,
        ),
        (
            "my-record-fhir",
            Call::Get("/me/record.json".into()),
            PORTAL,
            &signed_in,
        ),
    ];
    // Corrections last, each allowed person making a different one (the
    // same one twice changes nothing and is refused as such).
    let not_admin: Vec<Who> = EVERYONE
        .iter()
        .copied()
        .filter(|w| *w != Who::Admin)
        .collect();
    let table: Vec<(&str, Call, Row, &[Who])> = table
        .into_iter()
        .chain([
            (
                "correct-identity",
                correction(patient, "Avery Quinn-Example"),
                DISCLOSURES,
                &not_admin[..],
            ),
            (
                "correct-identity",
                correction(patient, "Avery Quinn-Sample"),
                DISCLOSURES,
                &[Who::Admin][..],
            ),
        ])
        .collect();
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
}
