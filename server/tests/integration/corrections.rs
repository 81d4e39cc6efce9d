//! Corrections of a legal name or date of birth through the full router
//! against PostgreSQL: refused beside its fields (nothing changes), a
//! correction that changes nothing refused too; once made, the chart shows
//! the new values, search finds the patient by them and no longer by the
//! old ones (the blind indexes followed), the trail records the correction
//! without either value, and the reason and old values are kept sealed.

use crate::charts::{ADMIN, AVERY, ROWAN, SAM, error, record_of};
use crate::support::TestApp;
use crate::support::app::Browser;
use app::{
    backend::db::schema::{audit_events, identity_corrections, patients},
    model::{
        audit::AuditAction,
        chart::{Caseload, Chart},
        details::PastCorrection,
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const NEW_NAME: &str = "Avery Quinn-Marlowe";
const NEW_BIRTHDAY: &str = "1988-04-14";
const REASON: &str = "Checked against the patient's passport";

async fn correct(
    browser: &mut Browser,
    patient: Uuid,
    form: &[(&str, &str)],
) -> crate::support::app::Reply {
    let id = patient.to_string();
    let mut fields = vec![("patient_id", id.as_str())];
    fields.extend_from_slice(form);
    browser.call("/api/correct-identity", &fields).await
}

/// How many patients elsewhere in the practice `search` finds for Sam
/// (not on Avery's care team): what the blind indexes answer.
async fn found_elsewhere(sam: &mut Browser, search: &str) -> usize {
    let reply = sam
        .fetch(&format!(
            "/api/caseload?search={}",
            search.replace(' ', "%20")
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let caseload: Caseload = serde_json::from_str(&reply.body).expect("caseload");
    caseload.elsewhere.len()
}

async fn version(conn: &mut diesel_async::AsyncPgConnection, patient: Uuid) -> i32 {
    patients::table
        .find(patient)
        .select(patients::version)
        .first(conn)
        .await
        .expect("version")
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_correct_a_name_and_birthday_and_search_follows_without_the_trail_holding_either() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let mut sam = app.signed_in(SAM).await;
    let before = version(&mut conn, avery).await;

    // Refused beside each field; nothing changes.
    let reply = correct(&mut rowan, avery, &[("reason", "typo")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = error(&reply);
    assert!(refused.field("legal_name").is_some());
    assert!(refused.field("reason").is_some());
    let reply = correct(
        &mut rowan,
        avery,
        &[("date_of_birth", "2990-01-01"), ("reason", REASON)],
    )
    .await;
    assert!(error(&reply).field("date_of_birth").is_some());
    let reply = correct(
        &mut rowan,
        avery,
        &[("legal_name", "Avery Quinn"), ("reason", REASON)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error(&reply)
            .field("legal_name")
            .is_some_and(|m| m.contains("already"))
    );
    assert_eq!(version(&mut conn, avery).await, before);
    assert_eq!(found_elsewhere(&mut sam, "Avery Quinn").await, 1);

    // The care team corrects the name; an administrator the birthday.
    let reply = correct(
        &mut rowan,
        avery,
        &[("legal_name", NEW_NAME), ("reason", REASON)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut admin = app.signed_in(ADMIN).await;
    let reply = correct(
        &mut admin,
        avery,
        &[("date_of_birth", NEW_BIRTHDAY), ("reason", REASON)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let chart = rowan.fetch(&format!("/api/chart?patient_id={avery}")).await;
    let chart: Chart = serde_json::from_str(&chart.body).expect("chart");
    assert_eq!(chart.legal_name, NEW_NAME);
    assert_eq!(chart.date_of_birth, NEW_BIRTHDAY);

    // Search follows: the new values find them, the old ones no longer do.
    assert_eq!(found_elsewhere(&mut sam, NEW_NAME).await, 1);
    assert_eq!(found_elsewhere(&mut sam, "Avery Quinn").await, 0);
    assert_eq!(found_elsewhere(&mut sam, NEW_BIRTHDAY).await, 1);
    assert_eq!(found_elsewhere(&mut sam, "1988-03-14").await, 0);

    // Two corrections kept, sealed; the trail names them and holds no value.
    let kept: i64 = identity_corrections::table
        .filter(identity_corrections::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(kept, 2);
    let events = crate::support::db::rows_as_text(
        &mut conn,
        &format!(
            "SELECT t::text AS row FROM audit_events t WHERE patient_id = '{avery}' \
             UNION ALL SELECT t::text FROM identity_corrections t"
        ),
    )
    .await;
    for row in &events {
        for secret in ["Quinn", "Marlowe", NEW_BIRTHDAY, "1988-03-14", "passport"] {
            assert!(!row.contains(secret), "{secret} in {row}");
        }
    }
    let corrected: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordUpdated))
        .filter(audit_events::resource_type.eq("identity_correction"))
        .filter(audit_events::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("events");
    assert_eq!(corrected, 2);

    // The practice reads them back: newest first, what each replaced, why.
    let reply = admin
        .fetch(&format!("/api/identity-corrections?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let past: Vec<PastCorrection> = serde_json::from_str(&reply.body).expect("corrections");
    let was: Vec<(Option<&str>, Option<&str>, &str)> = past
        .iter()
        .map(|c| {
            (
                c.legal_name_was.as_deref(),
                c.date_of_birth_was.as_deref(),
                c.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        was,
        [
            (None, Some("1988-03-14"), REASON),
            (Some("Avery Quinn"), None, REASON),
        ]
    );
    assert_eq!(past[0].by, "Morgan Reyes");

    // A patient corrects nothing of their own this way, nor reads them.
    let mut patient = app.signed_in(AVERY).await;
    let reply = correct(
        &mut patient,
        avery,
        &[("legal_name", "Someone Else"), ("reason", REASON)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = patient
        .fetch(&format!("/api/identity-corrections?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
