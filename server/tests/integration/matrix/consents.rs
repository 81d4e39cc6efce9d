//! Consents against everyone: a patient reads, signs and revokes their
//! own in the portal (staff keep none there); the care team and the
//! practice's administrators read a patient's and record one signed on
//! paper, never under emergency access nor from another practice; only a
//! note's author marks it as substance-use counseling; a patient asks for
//! their own record's erasure. Each answer leaves its event.

use super::{A, Call, EVERYONE, F, H, PORTAL, Row, S, SIGN_OTHERS_DRAFT, Who, check, note, setup};
use app::model::consent::{ConsentTemplate, MyConsents};
use http::StatusCode;

/// A patient's consents, for staff: as their disclosures.
const STAFF: Row = [S, F, F, A, H, H, A, H];
/// Revoking patient A's consent: patient A alone (patient B finds none).
const REVOKE: Row = [S, A, H, F, F, F, F, F];

fn signed_by(form: &ConsentTemplate, name: &str) -> Call {
    Call::Post(
        "/api/sign-consent",
        vec![
            ("template_id", form.id.to_string()),
            ("text_sha256", form.text_sha256.clone()),
            ("typed_name", name.into()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_consents_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    let signed = note(&mut people, patient, true).await;
    let (admin, _) = people.get(Who::Admin);
    let added = admin
        .call(
            "/api/add-consent-form",
            &[
                ("kind", "treatment"),
                ("title", "Consent to treatment"),
                ("text", "I agree to treatment at this practice."),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let forms: Vec<ConsentTemplate> =
        serde_json::from_str(&admin.fetch("/api/consent-forms").await.body).expect("forms");
    let [form] = forms.as_slice() else {
        panic!("one form: {}", forms.len());
    };
    let paper = Call::Post(
        "/api/record-paper-consent",
        vec![
            ("patient_id", patient.to_string()),
            ("template_id", form.id.to_string()),
            ("typed_name", "Avery Quinn".into()),
        ],
    );
    for who in [Who::PatientA, Who::PatientB] {
        let (browser, _) = people.get(who);
        let reply = browser
            .call(
                "/api/step-up",
                &[("password", app::backend::seed::DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{who:?}: {}", reply.body);
    }
    let table: Vec<(&str, Call, Row, &[Who])> = vec![
        (
            "patient-consents",
            Call::Get(format!("/api/patient-consents?patient_id={patient}")),
            STAFF,
            &EVERYONE,
        ),
        ("record-paper-consent", paper, STAFF, &EVERYONE),
        (
            "my-consents",
            Call::Get("/api/my-consents".into()),
            PORTAL,
            &EVERYONE,
        ),
        (
            "sign-consent (staff and strangers)",
            signed_by(form, "Avery Quinn"),
            PORTAL,
            &[
                Who::Anonymous,
                Who::TherapistOnTeam,
                Who::TherapistOffTeam,
                Who::TherapistInEmergency,
                Who::Admin,
                Who::AdminOfAnotherPractice,
            ],
        ),
        (
            "sign-consent (patient A)",
            signed_by(form, "Avery Quinn"),
            PORTAL,
            &[Who::PatientA],
        ),
        (
            "sign-consent (patient B)",
            signed_by(form, "Jordan Lee"),
            PORTAL,
            &[Who::PatientB],
        ),
        (
            "my-erasure",
            Call::Get("/api/my-erasure".into()),
            PORTAL,
            &EVERYONE,
        ),
        (
            "ask-erasure",
            Call::Post("/api/ask-erasure", vec![]),
            PORTAL,
            &EVERYONE,
        ),
        (
            "mark-sud-note",
            Call::Post(
                "/api/mark-sud-note",
                vec![("note_id", signed.to_string()), ("sud", "true".into())],
            ),
            SIGN_OTHERS_DRAFT,
            &EVERYONE,
        ),
    ];
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
    // Patient A's consent, signed just now: revoked by them alone.
    let (avery, _) = people.get(Who::PatientA);
    let mine: Option<MyConsents> =
        serde_json::from_str(&avery.fetch("/api/my-consents").await.body).expect("mine");
    let consent = mine
        .expect("a record")
        .consents
        .into_iter()
        .find(|c| c.signed_name == "Avery Quinn")
        .expect("signed in the portal");
    let revoke = Call::Post(
        "/api/revoke-consent",
        vec![("consent_id", consent.id.to_string())],
    );
    let order: Vec<Who> = EVERYONE
        .iter()
        .copied()
        .filter(|w| *w != Who::PatientA)
        .chain([Who::PatientA])
        .collect();
    check(&app, &mut people, "revoke-consent", &revoke, REVOKE, &order).await;
}
