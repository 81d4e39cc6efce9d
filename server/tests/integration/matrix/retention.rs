//! Legal holds against everyone: the practice's administrators alone
//! place and lift one; anyone else is refused by their role, another
//! practice's administrator finds no such record. Each answer leaves its
//! event. (Erasure is refused the same way; `erasure.rs` covers it, with
//! the second factor it also asks.)

use super::{Call, EVERYONE, ROSTER_PATIENT as HOLDS, check, setup};

fn hold(patient: uuid::Uuid, lift: bool) -> Call {
    Call::Post(
        "/api/legal-hold",
        vec![
            ("patient_id", patient.to_string()),
            ("reason", "Subpoena in an example case".into()),
            ("lift", lift.to_string()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_legal_holds_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    check(
        &app,
        &mut people,
        "legal-hold",
        &hold(patient, false),
        HOLDS,
        &EVERYONE,
    )
    .await;
    check(
        &app,
        &mut people,
        "legal-hold lift",
        &hold(patient, true),
        HOLDS,
        &EVERYONE,
    )
    .await;
}
