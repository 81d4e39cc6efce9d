//! Amendment requests against everyone: a patient asks about their own
//! record (another patient naming its items finds nothing) and disagrees
//! with a denial of their own request; the care team alone reads the
//! requests, extends and decides them: never the practice's administrator
//! (a clinical decision), never emergency access, never another practice.
//! Each answer leaves its event.

use super::{A, F, H, S};
use super::{Call, EVERYONE, PORTAL, Row, check, setup};
use app::backend::db::schema::amendments;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Asking about patient A's details, or disagreeing with the denial of
/// their request: patient A alone; patient B finds nothing of A's.
const PATIENT_A_ONLY: Row = [S, A, H, F, F, F, F, F];
/// Reading, extending or deciding patient A's requests: the care team.
const CARE_TEAM: Row = [S, F, F, A, H, H, F, F];

fn with(
    patient: Uuid,
    amendment: Uuid,
    pairs: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("patient_id", patient.to_string()),
        ("amendment_id", amendment.to_string()),
    ];
    form.extend(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())));
    form
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_amendment_requests_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    check(
        &app,
        &mut people,
        "request-amendment",
        &Call::Post(
            "/api/request-amendment",
            vec![
                ("item", format!("details:{patient}")),
                ("request", "My date of birth is a day off.".into()),
            ],
        ),
        PATIENT_A_ONLY,
        &EVERYONE,
    )
    .await;
    let mut conn = app.db.conn().await;
    let amendment: Uuid = amendments::table
        .filter(amendments::patient_id.eq(patient))
        .select(amendments::id)
        .first(&mut conn)
        .await
        .expect("the request");
    let table: Vec<(&str, Call, Row)> = vec![
        (
            "my-amendments",
            Call::Get("/api/my-amendments".into()),
            PORTAL,
        ),
        (
            "amendments",
            Call::Get(format!("/api/amendments?patient_id={patient}")),
            CARE_TEAM,
        ),
        (
            "extend-amendment",
            Call::Post(
                "/api/extend-amendment",
                with(
                    patient,
                    amendment,
                    &[("reason", "Waiting for the old records.")],
                ),
            ),
            CARE_TEAM,
        ),
        (
            "decide-amendment",
            Call::Post(
                "/api/decide-amendment",
                with(
                    patient,
                    amendment,
                    &[
                        ("decision", "deny"),
                        ("text", "The birth certificate says so."),
                    ],
                ),
            ),
            CARE_TEAM,
        ),
        (
            "disagree-amendment",
            Call::Post(
                "/api/disagree-amendment",
                vec![
                    ("amendment_id", amendment.to_string()),
                    ("statement", "I still think it is a day off.".into()),
                ],
            ),
            PATIENT_A_ONLY,
        ),
    ];
    for (name, how, expected) in &table {
        check(&app, &mut people, name, how, *expected, &EVERYONE).await;
    }
}
