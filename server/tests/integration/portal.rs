//! The patient portal's own record through the full router: a patient sees
//! their details (opened by the vault, the read recorded), staff, who keep
//! no record there, are refused, and a record that does not open is an error that is
//! itself recorded, never an empty page.

use crate::support::TestApp;
use app::{
    backend::db::schema::{audit_events, patients},
    error::AppError,
    model::{
        audit::{AuditAction, AuditOutcome},
        patient::MyInformation,
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use uuid::Uuid;

const PATIENT: &str = "avery.quinn@patients.example";

/// The demo patient's account id and the id of their record.
async fn account_and_record(conn: &mut diesel_async::AsyncPgConnection) -> (Uuid, Uuid) {
    (
        crate::support::records::user_id(conn, PATIENT).await,
        crate::support::records::record_of(conn, PATIENT).await,
    )
}

#[tokio::test]
async fn a_patient_sees_their_own_details_and_the_read_is_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let mut patient = app.signed_in(PATIENT).await;
    let reply = patient.fetch("/api/my-information").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let information: Option<MyInformation> = serde_json::from_str(&reply.body).expect("json");
    let information = information.expect("a record");
    assert_eq!(information.legal_name, "Avery Quinn");
    assert_eq!(information.date_of_birth, "1988-03-14");
    assert_eq!(information.email.as_deref(), Some(PATIENT));
    assert_eq!(information.phone.as_deref(), Some("555-0101"));

    let (user, record) = account_and_record(&mut conn).await;
    let views: Vec<(Option<Uuid>, Option<Uuid>, AuditOutcome)> = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .select((
            audit_events::actor_id,
            audit_events::patient_id,
            audit_events::outcome,
        ))
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(views, [(Some(user), Some(record), AuditOutcome::Allowed)]);

    // Staff keep no record here: refused (the matrix checks the trail);
    // nobody signed in gets 401.
    let mut admin = app.signed_in("admin@juniper-creek.example").await;
    let reply = admin.fetch("/api/my-information").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let mut nobody = app.browser();
    assert_eq!(
        nobody.fetch("/api/my-information").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_record_that_does_not_open_is_an_error_for_the_person_and_in_the_trail() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    // Someone with database access flips a byte of the stored name.
    let (_, record) = account_and_record(&mut conn).await;
    let mut name: Vec<u8> = patients::table
        .find(record)
        .select(patients::legal_name_sealed)
        .first(&mut conn)
        .await
        .expect("record");
    let last = name.len() - 1;
    name[last] ^= 0x01;
    diesel::update(patients::table.find(record))
        .set(patients::legal_name_sealed.eq(name))
        .execute(&mut conn)
        .await
        .expect("tampered");

    let mut patient = app.signed_in(PATIENT).await;
    let reply = patient.fetch("/api/my-information").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let error: AppError = serde_json::from_str(&reply.body).expect("error");
    assert_eq!(error, AppError::RecordUnreadable);
    assert!(!reply.body.contains("Avery"));
    let views: Vec<AuditOutcome> = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .filter(audit_events::patient_id.eq(record))
        .select(audit_events::outcome)
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(
        views,
        [AuditOutcome::Error],
        "the error, and no view that showed nothing"
    );
}

#[tokio::test]
async fn a_patient_sees_their_care_team_and_staff_are_refused() {
    let app = TestApp::with_demo().await;
    let mut patient = app.signed_in("priya.natarajan@patients.example").await;
    let reply = patient.fetch("/api/my-care-team").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let team: Option<Vec<String>> = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(
        team.as_deref(),
        Some(&["Dr. Rowan Ellis".to_owned(), "Sam Okafor, LCSW".to_owned()][..])
    );
    let mut admin = app.signed_in("admin@juniper-creek.example").await;
    let reply = admin.fetch("/api/my-care-team").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let mut nobody = app.browser();
    assert_eq!(
        nobody.fetch("/api/my-care-team").await.status,
        StatusCode::UNAUTHORIZED
    );
}
