//! The safety plan through the full router against PostgreSQL: checked
//! step by step (bad input changes nothing), versioned (a stale save is a
//! conflict and writes nothing), sealed, recorded as the safety plan's,
//! written and read under emergency access, and shown whole to its
//! patient, with the practice's crisis lines, and to no one else there.

use crate::charts::{ADMIN, AVERY, ROWAN, SAM, error, record_of};
use crate::plans::{chart, refused_on};
use crate::support::{TestApp, app::Browser, app::Reply};
use app::{
    backend::db::schema::{audit_events, safety_plans},
    error::AppError,
    model::{
        audit::AuditAction,
        safety_plan::{MySafetyPlan, SafetyStep},
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

async fn save(
    browser: &mut Browser,
    patient: &str,
    version: &str,
    steps: &[(&str, &str)],
) -> Reply {
    let mut form = vec![("patient_id", patient), ("version", version)];
    form.extend_from_slice(steps);
    browser.call("/api/save-safety-plan", &form).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_safety_plan_is_checked_versioned_sealed_and_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let patient = avery.to_string();
    let mut rowan = app.signed_in(ROWAN).await;
    assert!(chart(&mut rowan, avery).await.safety_plan.is_none());

    // Nothing written, or a step over its limits: refused beside the
    // field, and nothing stored.
    let reply = save(&mut rowan, &patient, "0", &[("coping", "  \n ")]).await;
    assert!(refused_on(&reply, "warning_signs").contains("at least one step"));
    let long = "x".repeat(501);
    let reply = save(&mut rowan, &patient, "0", &[("reasons", &long)]).await;
    assert!(refused_on(&reply, "reasons").contains("characters"));
    let stored: i64 = safety_plans::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 0, "bad input stores nothing");

    let first = [
        ("warning_signs", "Not sleeping\nCancelling plans"),
        ("helpers", "Sister, 555 0142"),
        ("reasons", "My niece"),
    ];
    let reply = save(&mut rowan, &patient, "0", &first).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body.trim(), "1");
    let (action, kind, id): (AuditAction, Option<String>, Option<String>) = audit_events::table
        .order(audit_events::id.desc())
        .select((
            audit_events::action,
            audit_events::resource_type,
            audit_events::resource_id,
        ))
        .first(&mut conn)
        .await
        .expect("an event");
    assert_eq!(action, AuditAction::RecordCreated);
    assert_eq!(kind.as_deref(), Some("safety_plan"));
    assert_eq!(id, Some(patient.clone()), "named by its patient");

    // A second first plan, and a save from an old version: conflicts,
    // and the plan is as it was.
    let reply = save(&mut rowan, &patient, "0", &[("coping", "Walk")]).await;
    assert_eq!(error(&reply), AppError::EditConflict);
    let reply = save(
        &mut rowan,
        &patient,
        "1",
        &[("coping", "Music\nA walk by the river")],
    )
    .await;
    assert_eq!(reply.body.trim(), "2", "{}", reply.body);
    let reply = save(&mut rowan, &patient, "1", &[("coping", "Stale")]).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let plan = chart(&mut rowan, avery).await.safety_plan.expect("a plan");
    assert_eq!(plan.version, 2);
    assert_eq!(
        plan.lines(SafetyStep::Coping),
        ["Music", "A walk by the river"]
    );
    assert!(
        plan.lines(SafetyStep::WarningSigns).is_empty(),
        "a save is the whole plan"
    );
    assert_eq!(plan.steps.len(), SafetyStep::ALL.len());
    assert_eq!(plan.updated_by, "Dr. Rowan Ellis");

    // Sealed: nothing typed is in the row's bytes.
    let body: Vec<u8> = safety_plans::table
        .select(safety_plans::body_sealed)
        .first(&mut conn)
        .await
        .expect("row");
    assert!(!body.windows(5).any(|w| w == b"River" || w == b"river"));
}

#[tokio::test(flavor = "multi_thread")]
async fn emergency_access_reads_and_writes_it_and_the_patient_sees_it_whole() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let patient = avery.to_string();
    let mut avery_browser = app.signed_in(AVERY).await;

    // Before any plan the portal still gives the crisis lines.
    let reply = avery_browser.fetch("/api/my-safety-plan").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine: MySafetyPlan = serde_json::from_str(&reply.body).expect("MySafetyPlan");
    assert!(mine.plan.is_none());
    assert!(
        mine.crisis_resources.contains("988"),
        "{}",
        mine.crisis_resources
    );

    // Sam, off the team, breaks the glass and writes the plan.
    let mut sam = app.signed_in(SAM).await;
    let reply = save(
        &mut sam,
        &patient,
        "0",
        &[("warning_signs", "Giving things away")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "not before the glass");
    crate::mfa::enroll(&mut sam).await;
    let reply = sam
        .call(
            "/api/emergency-access",
            &[
                ("patient_id", &patient),
                ("reason", "Crisis call after hours"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = save(
        &mut sam,
        &patient,
        "0",
        &[
            ("warning_signs", "Giving things away"),
            ("environment", "Medication kept by partner"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let seen = chart(&mut sam, avery).await;
    assert!(seen.emergency_until.is_some());
    let plan = seen.safety_plan.expect("the plan under emergency access");
    assert_eq!(
        plan.lines(SafetyStep::Environment),
        ["Medication kept by partner"]
    );

    // The patient reads every step, and the read is recorded.
    let reply = avery_browser.fetch("/api/my-safety-plan").await;
    let mine: MySafetyPlan = serde_json::from_str(&reply.body).expect("MySafetyPlan");
    let plan = mine.plan.expect("their plan");
    assert_eq!(plan.lines(SafetyStep::WarningSigns), ["Giving things away"]);
    assert_eq!(
        plan.lines(SafetyStep::Environment),
        ["Medication kept by partner"]
    );
    let (action, viewer): (AuditAction, Option<uuid::Uuid>) = audit_events::table
        .order(audit_events::id.desc())
        .select((audit_events::action, audit_events::patient_id))
        .first(&mut conn)
        .await
        .expect("an event");
    assert_eq!((action, viewer), (AuditAction::RecordViewed, Some(avery)));

    // Another patient sees only their own (none); staff keep none there.
    let mut jordan = app.signed_in("jordan.lee@patients.example").await;
    let reply = jordan.fetch("/api/my-safety-plan").await;
    assert!(!reply.body.contains("Giving things away"), "{}", reply.body);
    let theirs: MySafetyPlan = serde_json::from_str(&reply.body).expect("MySafetyPlan");
    assert!(theirs.plan.is_none());
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(
        admin.fetch("/api/my-safety-plan").await.status,
        StatusCode::FORBIDDEN
    );
    // Patients do not write it.
    let reply = save(&mut avery_browser, &patient, "1", &[("reasons", "Mine")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
