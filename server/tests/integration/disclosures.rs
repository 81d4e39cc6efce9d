//! Disclosures of a record through the full router against PostgreSQL:
//! staff record one (refused beside its fields when incomplete, nothing
//! stored), the accounting lists them all, the patient sees six years of
//! them, routine ones (treatment, payment, operations) labelled as such;
//! a copy made for someone else records its own, in the same transaction,
//! and only after a fresh confirmation; patients record none.

use crate::charts::{ADMIN, AVERY, ROWAN, error, record_of};
use crate::support::TestApp;
use crate::support::app::Browser;
use app::{
    api::record::WHAT_A_COPY_HOLDS,
    backend::db::schema::{audit_events, disclosures},
    error::AppError,
    model::{
        audit::{AuditAction, AuditOutcome},
        disclosure::{Accounting, Disclosure, DisclosureKind, LegalBasis},
        record::RecordCopy,
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

/// `years` before today (UTC), as a date field takes it.
fn years_ago(years: i32) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let then = today
        .replace_day(1)
        .and_then(|d| d.replace_year(today.year() - years))
        .expect("a day");
    app::backend::dates::day(then)
}

async fn record(
    browser: &mut Browser,
    patient: Uuid,
    on: &str,
    recipient: &str,
    kind: &str,
) -> crate::support::app::Reply {
    browser
        .call(
            "/api/record-disclosure",
            &[
                ("patient_id", &patient.to_string()),
                ("disclosed_on", on),
                ("recipient", recipient),
                ("description", "Attendance dates"),
                ("kind", kind),
                ("purpose", "As asked"),
                ("legal_basis", "authorization"),
            ],
        )
        .await
}

async fn stored(conn: &mut AsyncPgConnection, patient: Uuid) -> i64 {
    disclosures::table
        .filter(disclosures::patient_id.eq(patient))
        .count()
        .get_result(conn)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_record_disclosures_and_the_patient_sees_six_years_of_them() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;

    // Incomplete or impossible: each problem beside its field, nothing kept.
    let reply = rowan
        .call(
            "/api/record-disclosure",
            &[("patient_id", &avery.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = error(&reply);
    for field in ["recipient", "description", "kind", "purpose", "legal_basis"] {
        assert!(refused.field(field).is_some(), "{field}");
    }
    let tomorrow =
        app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(2));
    let reply = record(&mut rowan, avery, &tomorrow, "Example Clinic", "other").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("disclosed_on").is_some());
    assert_eq!(stored(&mut conn, avery).await, 0);

    // Seven years ago, five years ago, and today (for payment).
    for (on, to, kind) in [
        (years_ago(7), "Long Ago Insurance", "other"),
        (years_ago(5), "Example County Court", "other"),
        (String::new(), "Example Health Plan", "payment"),
    ] {
        let reply = record(&mut rowan, avery, &on, to, kind).await;
        assert_eq!(reply.status, StatusCode::OK, "{to}: {}", reply.body);
    }
    let created: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordCreated))
        .filter(audit_events::resource_type.eq("disclosure"))
        .filter(audit_events::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("events");
    assert_eq!(created, 3, "each disclosure is in the trail");

    // The practice's accounting: all of them, newest first.
    let reply = rowan
        .fetch(&format!("/api/disclosures?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let accounting: Accounting = serde_json::from_str(&reply.body).expect("accounting");
    assert_eq!(accounting.patient_name, "Avery Quinn");
    let to: Vec<&str> = accounting
        .disclosures
        .iter()
        .map(|d| d.recipient.as_str())
        .collect();
    assert_eq!(
        to,
        [
            "Example Health Plan",
            "Example County Court",
            "Long Ago Insurance"
        ]
    );
    assert!(accounting.disclosures[2].disclosed_on < accounting.since);
    assert!(accounting.disclosures[1].disclosed_on >= accounting.since);
    assert_eq!(accounting.disclosures[0].kind, DisclosureKind::Payment);
    assert!(!accounting.disclosures[0].kind.in_accounting());
    assert_eq!(
        accounting.disclosures[1].legal_basis,
        LegalBasis::Authorization
    );
    // The administrator produces it too.
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin
        .fetch(&format!("/api/disclosures?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The patient: six years, the routine one labelled by its kind.
    let mut patient = app.signed_in(AVERY).await;
    let reply = patient.fetch("/api/my-disclosures").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine: Option<Vec<Disclosure>> = serde_json::from_str(&reply.body).expect("list");
    let mine = mine.expect("a record");
    let to: Vec<(&str, DisclosureKind)> = mine
        .iter()
        .map(|d| (d.recipient.as_str(), d.kind))
        .collect();
    assert_eq!(
        to,
        [
            ("Example Health Plan", DisclosureKind::Payment),
            ("Example County Court", DisclosureKind::Other),
        ]
    );
    // A patient records no disclosure, nor reads the practice's accounting.
    let reply = record(&mut patient, avery, "", "Myself", "other").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = patient
        .fetch(&format!("/api/disclosures?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&mut conn, avery).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_for_someone_else_records_its_disclosure_after_a_fresh_confirmation() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let id = avery.to_string();
    let asked = |kind: &'static str| {
        vec![
            ("patient_id", id.clone()),
            ("recipient", "Dr. Example Provider".to_owned()),
            ("kind", kind.to_owned()),
            ("purpose", "Referral for a medication review".to_owned()),
            ("legal_basis", "tpo".to_owned()),
        ]
    };

    // A form missing its answers is refused beside them before anything
    // else; without a fresh confirmation, no copy and nothing recorded.
    let reply = rowan
        .call(
            "/api/record-copy-for",
            &[("patient_id", id.as_str()), ("kind", "treatment")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("recipient").is_some());
    let form = asked("treatment");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = rowan.call("/api/record-copy-for", &pairs).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error(&reply), AppError::StepUpRequired);
    assert_eq!(stored(&mut conn, avery).await, 0);

    // Confirmed: the copy, and its disclosure beside the export event.
    crate::mfa::enroll(&mut rowan).await;
    let reply = rowan.call("/api/record-copy-for", &pairs).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let copy: RecordCopy = serde_json::from_str(&reply.body).expect("copy");
    assert_eq!(copy.patient.legal_name, "Avery Quinn");
    let reply = rowan
        .fetch(&format!("/api/disclosures?patient_id={avery}"))
        .await;
    let accounting: Accounting = serde_json::from_str(&reply.body).expect("accounting");
    let [disclosure] = accounting.disclosures.as_slice() else {
        panic!("one disclosure: {}", accounting.disclosures.len());
    };
    assert!(disclosure.by_copy);
    assert_eq!(disclosure.recipient, "Dr. Example Provider");
    assert_eq!(disclosure.description, WHAT_A_COPY_HOLDS);
    assert_eq!(disclosure.kind, DisclosureKind::Treatment);
    assert_eq!(disclosure.disclosed_on, accounting.today);
    let exported: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordExported))
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .filter(audit_events::patient_id.eq(avery))
        .filter(audit_events::resource_id.eq("record-copy-for"))
        .count()
        .get_result(&mut conn)
        .await
        .expect("events");
    assert_eq!(exported, 1);

    // A patient may copy their own record, but never records a disclosure.
    let mut patient = app.signed_in(AVERY).await;
    let reply = patient
        .call(
            "/api/step-up",
            &[("password", app::backend::seed::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient.call("/api/record-copy-for", &pairs).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&mut conn, avery).await, 1);
}
