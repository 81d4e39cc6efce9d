//! Consents through the full router against PostgreSQL: the practice's
//! forms and their versions, a patient signing the exact text they were
//! shown (its hash kept), paper consents, revocation with a fresh second
//! factor; disclosures checked against releases (expired or revoked: warned
//! and recorded as such) and against the consent substance-use counseling
//! notes need (42 CFR Part 2), which copies made by staff leave out
//! without it.

use crate::charts::{ADMIN, AVERY, ROWAN, error, record_of};
use crate::support::TestApp;
use crate::support::app::{Browser, Reply};
use app::{
    backend::{
        db::schema::{consent_templates, consents},
        records::consents::templates::{hex, sha256},
        seed::DEMO_PASSWORD,
    },
    error::AppError,
    model::{
        chart::{Chart, SavedNote},
        consent::{ConsentKind, ConsentState, ConsentTemplate, MyConsents, PatientConsents},
        disclosure::{Accounting, DisclosureWarning},
        record::RecordCopy,
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const TREATMENT_V1: &str = "I consent to assessment and therapy at this practice.";
const TREATMENT_V2: &str =
    "I consent to assessment and therapy at this practice, in person or by video.";
const RELEASE_TEXT: &str =
    "I allow the practice to release the information named below to the person named below.";
const SUD_TEXT: &str = "I consent to the disclosure of my substance use disorder counseling records to the recipient named below, for the purpose named below (42 CFR Part 2).";
const SUD_NOTE_TEXT: &str = "Counseling session on alcohol use; SUD-CANARY-Example.";

fn day(offset_days: i64) -> String {
    app::backend::dates::day(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(offset_days),
    )
}

async fn add_form(admin: &mut Browser, kind: &str, title: &str, text: &str, replaces: &str) {
    let reply = admin
        .call(
            "/api/add-consent-form",
            &[
                ("kind", kind),
                ("title", title),
                ("text", text),
                ("replaces", replaces),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{title}: {}", reply.body);
}

async fn forms(admin: &mut Browser) -> Vec<ConsentTemplate> {
    let reply = admin.fetch("/api/consent-forms").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("forms")
}

fn form_of(forms: &[ConsentTemplate], kind: ConsentKind) -> ConsentTemplate {
    forms
        .iter()
        .find(|f| f.kind == kind)
        .cloned()
        .expect("a form of that kind")
}

async fn mine(patient: &mut Browser) -> MyConsents {
    let reply = patient.fetch("/api/my-consents").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine: Option<MyConsents> = serde_json::from_str(&reply.body).expect("consents");
    mine.expect("a record")
}

async fn sign(patient: &mut Browser, form: &ConsentTemplate, extra: &[(&str, &str)]) -> Reply {
    let id = form.id.to_string();
    let mut fields = vec![
        ("template_id", id.as_str()),
        ("text_sha256", form.text_sha256.as_str()),
    ];
    fields.extend_from_slice(extra);
    patient.call("/api/sign-consent", &fields).await
}

async fn step_up(browser: &mut Browser) {
    let reply = browser
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_consent_keeps_the_hash_of_the_text_it_was_shown() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut admin = app.signed_in(ADMIN).await;

    // A form missing its parts is refused beside them; nothing kept.
    let reply = admin
        .call("/api/add-consent-form", &[("kind", "gossip")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["kind", "title", "text"] {
        assert!(error(&reply).field(field).is_some(), "{field}");
    }
    assert!(forms(&mut admin).await.is_empty());
    add_form(
        &mut admin,
        "treatment",
        "Consent to treatment",
        TREATMENT_V1,
        "",
    )
    .await;
    let v1 = form_of(&forms(&mut admin).await, ConsentKind::Treatment);
    assert_eq!(v1.text, TREATMENT_V1);
    assert_eq!(v1.text_sha256, hex(&sha256(TREATMENT_V1)));

    // The patient opens the page and sees version 1...
    let mut patient = app.signed_in(AVERY).await;
    let shown = mine(&mut patient).await;
    let [seen] = shown.to_sign.as_slice() else {
        panic!("one form to sign: {}", shown.to_sign.len());
    };
    assert_eq!(seen.version, 1);
    // ...and the practice publishes version 2 before they sign: what they
    // read is no longer the form, and their signature is refused.
    add_form(
        &mut admin,
        "treatment",
        "Consent to treatment",
        TREATMENT_V2,
        &v1.id.to_string(),
    )
    .await;
    let reply = sign(&mut patient, seen, &[("typed_name", "Avery Quinn")]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(error(&reply).field("text_sha256").is_some());
    // Replacing the old version again is refused: it is not current.
    let reply = admin
        .call(
            "/api/add-consent-form",
            &[
                ("kind", "treatment"),
                ("title", "Consent to treatment"),
                ("text", "Another text"),
                ("replaces", &v1.id.to_string()),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("replaces").is_some());

    let shown = mine(&mut patient).await;
    let [seen] = shown.to_sign.as_slice() else {
        panic!("one form to sign: {}", shown.to_sign.len());
    };
    assert_eq!((seen.version, seen.text.as_str()), (2, TREATMENT_V2));
    // A hash the page never showed, or a name not theirs: refused.
    let mut forged = seen.clone();
    forged.text_sha256 = hex(&sha256("I consent to anything."));
    let reply = sign(&mut patient, &forged, &[("typed_name", "Avery Quinn")]).await;
    assert!(error(&reply).field("text_sha256").is_some());
    let reply = sign(&mut patient, seen, &[("typed_name", "Someone Else")]).await;
    assert!(error(&reply).field("typed_name").is_some());
    let count: i64 = consents::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing refused is kept");

    let reply = sign(&mut patient, seen, &[("typed_name", "avery  quinn")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // What is stored is the hash of exactly the text shown.
    let (stored, template_body): (Vec<u8>, String) = consents::table
        .inner_join(consent_templates::table)
        .filter(consents::patient_id.eq(avery))
        .select((consents::text_sha256, consent_templates::body))
        .first(&mut conn)
        .await
        .expect("a consent");
    assert_eq!(template_body, seen.text);
    assert_eq!(stored, sha256(&seen.text).to_vec());
    let after = mine(&mut patient).await;
    assert!(after.to_sign.is_empty(), "signed: nothing left to sign");
    let [given] = after.consents.as_slice() else {
        panic!("one consent");
    };
    assert_eq!(given.text_sha256, seen.text_sha256);
    assert_eq!((given.version, given.state), (2, ConsentState::InForce));
    assert_eq!(given.signed_name, "avery  quinn");

    // The chart shows it in force; staff record one signed on paper.
    let mut rowan = app.signed_in(ROWAN).await;
    let chart: Chart = serde_json::from_str(
        &rowan
            .fetch(&format!("/api/chart?patient_id={avery}"))
            .await
            .body,
    )
    .expect("chart");
    assert_eq!(chart.consents.len(), 1);
    let reply = rowan
        .call(
            "/api/record-paper-consent",
            &[
                ("patient_id", &avery.to_string()),
                ("template_id", &v1.id.to_string()),
                ("typed_name", "A. Quinn"),
                ("signed_on", &day(-400)),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = rowan
        .fetch(&format!("/api/patient-consents?patient_id={avery}"))
        .await;
    let theirs: PatientConsents = serde_json::from_str(&reply.body).expect("consents");
    let paper = theirs
        .consents
        .iter()
        .find(|c| c.signed_name == "A. Quinn")
        .expect("the paper one");
    assert_eq!(paper.version, 1, "the version the paper was");
    assert_eq!(paper.text_sha256, hex(&sha256(TREATMENT_V1)));
    assert!(paper.recorded_by.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disclosure_under_an_expired_or_revoked_release_warns_and_is_recorded_as_such() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let id = avery.to_string();
    let mut admin = app.signed_in(ADMIN).await;
    add_form(
        &mut admin,
        "release",
        "Release of information",
        RELEASE_TEXT,
        "",
    )
    .await;
    add_form(
        &mut admin,
        "treatment",
        "Consent to treatment",
        TREATMENT_V1,
        "",
    )
    .await;
    let all = forms(&mut admin).await;
    let release = form_of(&all, ConsentKind::Release);
    let treatment = form_of(&all, ConsentKind::Treatment);
    let mut rowan = app.signed_in(ROWAN).await;

    // A release needs its recipient, what, why and end.
    let mut patient = app.signed_in(AVERY).await;
    let reply = sign(&mut patient, &release, &[("typed_name", "Avery Quinn")]).await;
    for field in ["recipient", "released", "purpose", "expires_on"] {
        assert!(error(&reply).field(field).is_some(), "{field}");
    }
    // One on paper, two years ago, that ended last year.
    let paper = [
        ("patient_id", id.as_str()),
        ("template_id", &release.id.to_string()),
        ("typed_name", "Avery Quinn"),
        ("signed_on", &day(-730)),
        ("recipient", "Example Law Office"),
        ("released", "Attendance dates"),
        ("purpose", "A claim"),
        ("expires_on", &day(-365)),
    ]
    .map(|(k, v)| (k, v.to_owned()));
    let paper: Vec<(&str, &str)> = paper.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/record-paper-consent", &paper).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // One in the portal, in force for ten more days.
    let reply = sign(
        &mut patient,
        &release,
        &[
            ("typed_name", "Avery Quinn"),
            ("recipient", "Dr. Example Provider"),
            ("released", "Diagnoses and the treatment plan"),
            ("purpose", "A second opinion"),
            ("expires_on", &day(10)),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = sign(&mut patient, &treatment, &[("typed_name", "Avery Quinn")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = admin.fetch("/api/consents-expiring").await;
    assert_eq!(reply.body, "1", "the release ending in ten days");

    let given = mine(&mut patient).await.consents;
    let id_of = |recipient: &str| {
        given
            .iter()
            .find(|c| c.release.as_ref().is_some_and(|r| r.recipient == recipient))
            .map(|c| c.id.to_string())
            .expect("a release")
    };
    let (old, current) = (id_of("Example Law Office"), id_of("Dr. Example Provider"));
    let treatment_consent = given
        .iter()
        .find(|c| c.kind == ConsentKind::Treatment)
        .expect("treatment")
        .id
        .to_string();
    assert_eq!(
        given
            .iter()
            .find(|c| c.id.to_string() == old)
            .map(|c| c.state),
        Some(ConsentState::Expired)
    );

    let disclose = |on: String, release: String| {
        vec![
            ("patient_id", id.clone()),
            ("disclosed_on", on),
            ("recipient", "Example".to_owned()),
            ("description", "Attendance dates".to_owned()),
            ("kind", "other".to_owned()),
            ("purpose", "As the release says".to_owned()),
            ("legal_basis", "authorization".to_owned()),
            ("release_id", release),
        ]
    };
    // Before the old release was given: as if there were none.
    assert_eq!(
        warned(&mut rowan, disclose(day(-800), old.clone())).await,
        [DisclosureWarning::ReleaseNotYetGiven]
    );
    // While it was in force: nothing to warn of.
    assert_eq!(
        warned(&mut rowan, disclose(day(-500), old.clone())).await,
        []
    );
    // After it ended: warned, and recorded as such.
    assert_eq!(
        warned(&mut rowan, disclose(String::new(), old.clone())).await,
        [DisclosureWarning::ReleaseExpired]
    );
    assert_eq!(
        warned(&mut rowan, disclose(String::new(), current.clone())).await,
        []
    );

    // The patient revokes the current one: a fresh second factor first.
    let reply = patient
        .call("/api/revoke-consent", &[("consent_id", &current)])
        .await;
    assert_eq!(error(&reply), AppError::StepUpRequired);
    step_up(&mut patient).await;
    let reply = patient
        .call("/api/revoke-consent", &[("consent_id", &current)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient
        .call("/api/revoke-consent", &[("consent_id", &current)])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "revoked already");
    assert_eq!(
        warned(&mut rowan, disclose(String::new(), current.clone())).await,
        [DisclosureWarning::ReleaseRevoked]
    );
    let reply = admin.fetch("/api/consents-expiring").await;
    assert_eq!(reply.body, "0", "a revoked release ends nothing");

    // A consent that is no release is no footing for one; nothing kept.
    let fields = disclose(String::new(), treatment_consent);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/record-disclosure", &pairs).await;
    assert!(error(&reply).field("release_id").is_some());

    let accounting: Accounting = serde_json::from_str(
        &rowan
            .fetch(&format!("/api/disclosures?patient_id={avery}"))
            .await
            .body,
    )
    .expect("accounting");
    assert_eq!(accounting.disclosures.len(), 5);
    assert_eq!(accounting.releases.len(), 2);
    let warnings: Vec<Vec<DisclosureWarning>> = accounting
        .disclosures
        .iter()
        .map(|d| d.warnings.clone())
        .filter(|w| !w.is_empty())
        .collect();
    assert_eq!(
        warnings,
        [
            vec![DisclosureWarning::ReleaseRevoked],
            vec![DisclosureWarning::ReleaseExpired],
            vec![DisclosureWarning::ReleaseNotYetGiven]
        ]
    );
}

/// Records a disclosure as typed; answers what it was recorded despite.
async fn warned(
    staff: &mut Browser,
    fields: Vec<(&'static str, String)>,
) -> Vec<DisclosureWarning> {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = staff.call("/api/record-disclosure", &pairs).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("warnings")
}

/// A signed progress note of Avery's by Rowan, marked as substance-use
/// counseling.
async fn sud_note(rowan: &mut Browser, patient: Uuid) -> Uuid {
    let reply = rowan
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient.to_string()),
                ("template", "dap"),
                ("session_date", &day(0)),
                ("data", SUD_NOTE_TEXT),
                ("assessment", "Steady."),
                ("plan", "Continue."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let note = serde_json::from_str::<SavedNote>(&reply.body)
        .expect("saved")
        .id;
    let id = note.to_string();
    let reply = rowan
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = rowan
        .call("/api/mark-sud-note", &[("note_id", &id), ("sud", "true")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    note
}

async fn staff_copy(rowan: &mut Browser, patient: Uuid) -> RecordCopy {
    let reply = rowan
        .fetch(&format!("/api/record-copy?patient_id={patient}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("copy")
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_of_sud_counseling_leave_only_under_their_own_consent() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let note = sud_note(&mut rowan, avery).await;
    step_up(&mut rowan).await;

    // Without a consent, staff copies (readable and FHIR) leave it out.
    let copy = staff_copy(&mut rowan, avery).await;
    assert!(copy.notes.iter().all(|n| n.id != note));
    assert_eq!(copy.sud_withheld, 1);
    assert!(!copy.part2_notice);
    let bundle = rowan.fetch(&format!("/patients/{avery}/record.json")).await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(
        !bundle.body.contains("SUD-CANARY"),
        "left out of the bundle"
    );
    assert!(!bundle.body.contains(&note.to_string()));
    // A disclosure that includes such records is warned and recorded so.
    let warnings = warned(
        &mut rowan,
        vec![
            ("patient_id", avery.to_string()),
            ("recipient", "Example Program".to_owned()),
            ("description", "Counseling notes".to_owned()),
            ("kind", "other".to_owned()),
            ("purpose", "Referral".to_owned()),
            ("legal_basis", "authorization".to_owned()),
            ("sud_records", "on".to_owned()),
        ],
    )
    .await;
    assert_eq!(warnings, [DisclosureWarning::NoSudConsent]);

    // The patient's own copy is theirs whole.
    let mut patient = app.signed_in(AVERY).await;
    step_up(&mut patient).await;
    let reply = patient.fetch("/api/my-record").await;
    let own: Option<RecordCopy> = serde_json::from_str(&reply.body).expect("own copy");
    let own = own.expect("a record");
    assert!(own.notes.iter().any(|n| n.id == note && n.sud));
    assert_eq!(own.sud_withheld, 0);

    // With their consent to disclose them, staff copies hold it, with the
    // notice, and a copy for someone records that it held such records.
    let mut admin = app.signed_in(ADMIN).await;
    add_form(
        &mut admin,
        "sud-disclosure",
        "Consent to disclose counseling records",
        SUD_TEXT,
        "",
    )
    .await;
    let form = form_of(&forms(&mut admin).await, ConsentKind::SudDisclosure);
    let reply = sign(
        &mut patient,
        &form,
        &[
            ("typed_name", "Avery Quinn"),
            ("recipient", "Example Program"),
            ("released", "Counseling notes"),
            ("purpose", "Referral"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let copy = staff_copy(&mut rowan, avery).await;
    assert!(copy.notes.iter().any(|n| n.id == note && n.sud));
    assert_eq!(copy.sud_withheld, 0);
    assert!(copy.part2_notice);
    let fields = [
        ("patient_id", avery.to_string()),
        ("recipient", "Example Program".to_owned()),
        ("kind", "treatment".to_owned()),
        ("purpose", "Referral".to_owned()),
        ("legal_basis", "authorization".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/record-copy-for", &pairs).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let accounting: Accounting = serde_json::from_str(
        &rowan
            .fetch(&format!("/api/disclosures?patient_id={avery}"))
            .await
            .body,
    )
    .expect("accounting");
    let by_copy = accounting
        .disclosures
        .iter()
        .find(|d| d.by_copy)
        .expect("the copy's disclosure");
    assert!(by_copy.sud_records && by_copy.warnings.is_empty());

    // Revoked: out again, at once.
    let given = mine(&mut patient).await.consents;
    let consent = given
        .iter()
        .find(|c| c.kind == ConsentKind::SudDisclosure)
        .expect("the consent")
        .id
        .to_string();
    let reply = patient
        .call("/api/revoke-consent", &[("consent_id", &consent)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let copy = staff_copy(&mut rowan, avery).await;
    assert_eq!(copy.sud_withheld, 1);
    assert!(copy.notes.iter().all(|n| n.id != note));
}
