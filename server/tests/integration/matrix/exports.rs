//! Copies of a record (the readable copy and the FHIR file) against
//! everyone: a patient their own, the care team and the practice's
//! administrator a patient's, never under emergency access, never another
//! practice. Everyone signed in has just confirmed it is them (step-up),
//! so what answers is the policy alone; each answer leaves its event.

use super::{A, Call, EVERYONE, H, PORTAL, Row, S, Who, check, setup};
use http::StatusCode;

/// A copy of patient A's record: patient A themself, the care team, the
/// practice's administrator; never emergency access.
const RECORD_COPY: Row = [S, A, H, A, H, H, A, H];

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
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
}
