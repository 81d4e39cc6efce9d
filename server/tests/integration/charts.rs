//! Charts and notes through the full router against PostgreSQL: the care
//! team decides who opens a chart; a draft is saved with a version check,
//! signed and locked, corrected by addenda; every step and every refusal
//! is in the trail; note text is never stored in the clear.

use crate::support::{
    TestApp,
    app::{Browser, Reply},
};
use app::{
    backend::db::schema::{audit_events, clinical_notes, emergency_access, users},
    error::AppError,
    model::{
        audit::{AuditAction, AuditOutcome},
        chart::{Caseload, Chart, NoteStatus, SavedNote},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

pub(crate) const ROWAN: &str = "rowan.ellis@juniper-creek.example";
pub(crate) const SAM: &str = "sam.okafor@juniper-creek.example";
pub(crate) const ADMIN: &str = "admin@juniper-creek.example";
pub(crate) const AVERY: &str = "avery.quinn@patients.example";
const PRIYA: &str = "priya.natarajan@patients.example";

pub(crate) use crate::support::records::record_of;

pub(crate) async fn user_id(conn: &mut AsyncPgConnection, email: &str) -> Uuid {
    users::table
        .filter(crate::support::records::email_is(email))
        .select(users::id)
        .first(conn)
        .await
        .expect("user")
}

fn today() -> String {
    app::backend::dates::day(time::OffsetDateTime::now_utc().date())
}

/// Saves a SOAP note for `patient` (new when `note` is None).
async fn save(
    browser: &mut Browser,
    patient: Uuid,
    note: Option<(Uuid, i32)>,
    subjective: &str,
    objective: &str,
) -> Reply {
    let patient = patient.to_string();
    let (id, version) = note.map_or((String::new(), "0".to_owned()), |(id, v)| {
        (id.to_string(), v.to_string())
    });
    let date = today();
    browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient),
                ("note_id", &id),
                ("version", &version),
                ("template", "soap"),
                ("session_date", &date),
                ("subjective", subjective),
                ("objective", objective),
                ("assessment", "Mood improving; no safety concerns today."),
                ("plan", "Continue weekly sessions."),
            ],
        )
        .await
}

fn saved(reply: &Reply) -> SavedNote {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("SavedNote")
}

pub(crate) fn error(reply: &Reply) -> AppError {
    serde_json::from_str(&reply.body).expect("AppError")
}

/// (action, outcome) of the events about `patient` by `actor`, in order.
async fn trail(
    conn: &mut AsyncPgConnection,
    actor: Uuid,
    patient: Uuid,
) -> Vec<(AuditAction, AuditOutcome)> {
    audit_events::table
        .filter(audit_events::actor_id.eq(actor))
        .filter(audit_events::patient_id.eq(patient))
        .order(audit_events::id)
        .select((audit_events::action, audit_events::outcome))
        .load(conn)
        .await
        .expect("events")
}

const CANARY: &str = "canary-subjective-7f3a reports sleeping better";

#[tokio::test]
async fn a_therapist_drafts_saves_signs_and_corrects_a_note_and_each_step_is_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let rowan_id = user_id(&mut conn, ROWAN).await;
    let mut rowan = app.signed_in(ROWAN).await;

    let first = saved(&save(&mut rowan, avery, None, CANARY, "").await);
    assert_eq!((first.version, first.status), (1, NoteStatus::Draft));
    let second = saved(&save(&mut rowan, avery, Some((first.id, 1)), CANARY, "").await);
    assert_eq!(second.version, 2);

    // A save from an editor still at version 1 is refused; nothing changes.
    let stale = save(&mut rowan, avery, Some((first.id, 1)), "overwrite", "x").await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(error(&stale), AppError::EditConflict);

    // Signing needs every section; the message is next to the empty one.
    let id = first.id.to_string();
    let refused = rowan
        .call("/api/sign-note", &[("note_id", &id), ("version", "2")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&refused).field("objective").is_some());

    let third = saved(
        &save(
            &mut rowan,
            avery,
            Some((first.id, 2)),
            CANARY,
            "Calm, engaged.",
        )
        .await,
    );
    let signed = saved(
        &rowan
            .call("/api/sign-note", &[("note_id", &id), ("version", "3")])
            .await,
    );
    assert_eq!((third.version, signed.status), (3, NoteStatus::Signed));

    // Locked: the editor's save is a conflict, and the database itself
    // refuses to unsign it.
    let late = save(&mut rowan, avery, Some((first.id, 4)), "late edit", "x").await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let unsign = diesel::update(clinical_notes::table.find(first.id))
        .set(clinical_notes::status.eq("draft"))
        .execute(&mut conn)
        .await;
    assert!(unsign.is_err(), "the trigger keeps a signed note signed");

    // Corrections are addenda; the signed text stays as it was.
    let added = rowan
        .call(
            "/api/add-addendum",
            &[
                ("note_id", &id),
                ("text", "Correction: session was 50 minutes."),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let note = rowan.fetch(&format!("/api/note?note_id={id}")).await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.body);
    assert!(note.body.contains(CANARY));
    assert!(note.body.contains("Correction: session was 50 minutes."));
    assert!(!note.body.contains("overwrite") && !note.body.contains("late edit"));

    // The chart lists it, signed, with its addendum.
    let chart = rowan.fetch(&format!("/api/chart?patient_id={avery}")).await;
    let chart: Chart = serde_json::from_str(&chart.body).expect("chart");
    assert_eq!(chart.legal_name, "Avery Quinn");
    assert_eq!(chart.care_team, ["Dr. Rowan Ellis"]);
    assert_eq!(chart.notes.len(), 1);
    assert_eq!(chart.notes[0].status, NoteStatus::Signed);
    assert_eq!(chart.notes[0].addenda, 1);

    use AuditAction as A;
    use AuditOutcome as O;
    assert_eq!(
        trail(&mut conn, rowan_id, avery).await,
        [
            (A::RecordCreated, O::Allowed),
            (A::RecordUpdated, O::Allowed),
            // The stale save, the refused signature and the late save
            // changed nothing: their transactions, events included, rolled
            // back. Then the third save, the signature, the addendum:
            (A::RecordUpdated, O::Allowed),
            (A::RecordSigned, O::Allowed),
            (A::RecordUpdated, O::Allowed),
            (A::RecordViewed, O::Allowed),
            (A::RecordViewed, O::Allowed),
        ]
    );

    // The patient sees each of these in "Who accessed my record".
    let mut patient = app.signed_in(AVERY).await;
    let reply = patient.fetch("/api/my-record-access").await;
    let seen: Vec<app::model::audit::RecordAccess> =
        serde_json::from_str(&reply.body).expect("accesses");
    let by_rowan: Vec<&str> = seen
        .iter()
        .filter(|a| a.who == "Dr. Rowan Ellis")
        .map(|a| a.what.as_str())
        .collect();
    for what in ["Record signed", "Record viewed", "Record created"] {
        assert!(by_rowan.contains(&what), "{what} in {by_rowan:?}");
    }

    // Nothing of the note is stored in the clear.
    let bodies: Vec<Vec<u8>> = clinical_notes::table
        .select(clinical_notes::body_sealed)
        .load(&mut conn)
        .await
        .expect("bodies");
    let needle = b"canary-subjective-7f3a";
    assert!(
        bodies
            .iter()
            .all(|b| !b.windows(needle.len()).any(|w| w == needle))
    );
}

#[tokio::test]
async fn only_the_care_team_opens_a_chart_and_every_refusal_is_recorded() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let priya = record_of(&mut conn, PRIYA).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let note = saved(&save(&mut rowan, avery, None, CANARY, "").await);
    let shared = saved(&save(&mut rowan, priya, None, "Priya's session", "").await);

    // Sam is not on Avery's team: the chart and the note do not exist for him.
    let sam_id = user_id(&mut conn, SAM).await;
    let mut sam = app.signed_in(SAM).await;
    for path in [
        format!("/api/chart?patient_id={avery}"),
        format!("/api/note?note_id={}", note.id),
    ] {
        let reply = sam.fetch(&path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!reply.body.contains("Avery"));
    }
    assert_eq!(
        trail(&mut conn, sam_id, avery).await,
        [
            (AuditAction::AccessDenied, AuditOutcome::Denied),
            (AuditAction::AccessDenied, AuditOutcome::Denied),
        ]
    );

    // Both are on Priya's team: Sam reads Rowan's draft but may not edit
    // or sign it (403, recorded).
    let reply = sam.fetch(&format!("/api/note?note_id={}", shared.id)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let edit = save(&mut sam, priya, Some((shared.id, 1)), "Sam's edit", "").await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let id = shared.id.to_string();
    let sign = sam
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(sign.status, StatusCode::FORBIDDEN);
    assert_eq!(
        trail(&mut conn, sam_id, priya).await,
        [
            (AuditAction::RecordViewed, AuditOutcome::Allowed),
            (AuditAction::AccessDenied, AuditOutcome::Denied),
            (AuditAction::AccessDenied, AuditOutcome::Denied),
        ]
    );

    // The patient reaches their own details, not their chart; the
    // administrator reaches no chart, and no caseload at all.
    let avery_user = user_id(&mut conn, AVERY).await;
    let mut patient = app.signed_in(AVERY).await;
    let reply = patient
        .fetch(&format!("/api/chart?patient_id={avery}"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = patient
        .fetch(&format!("/api/note?note_id={}", note.id))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        trail(&mut conn, avery_user, avery).await,
        [
            (AuditAction::AccessDenied, AuditOutcome::Denied),
            (AuditAction::AccessDenied, AuditOutcome::Denied),
        ]
    );
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin.fetch(&format!("/api/chart?patient_id={avery}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = admin.fetch("/api/caseload").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_caseload_lists_the_team_s_patients_and_finds_them_by_part_of_a_name_or_exact_details()
{
    let app = TestApp::with_demo().await;
    let mut rowan = app.signed_in(ROWAN).await;
    let caseload = |reply: Reply| -> Caseload {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).expect("caseload")
    };
    let names = |c: &Caseload| -> Vec<String> {
        c.rows
            .iter()
            .map(|r| r.legal_name.clone().expect("readable"))
            .collect()
    };
    let all = caseload(rowan.fetch("/api/caseload").await);
    assert_eq!(
        names(&all),
        ["Avery Quinn", "Jordan Lee", "Priya Natarajan"]
    );
    assert_eq!(all.total, 3);
    let by_age = caseload(rowan.fetch("/api/caseload?sort=dob").await);
    assert_eq!(
        names(&by_age),
        ["Priya Natarajan", "Avery Quinn", "Jordan Lee"]
    );

    for (search, found) in [
        ("avery%20%20QUINN", "Avery Quinn"),
        ("ave%20QUI", "Avery Quinn"),
        ("nataraj", "Priya Natarajan"),
        ("1995-11-02", "Jordan Lee"),
        ("555-0103", "Priya Natarajan"),
        ("PRIYA.NATARAJAN%40patients.example", "Priya Natarajan"),
    ] {
        let result = caseload(rowan.fetch(&format!("/api/caseload?search={search}")).await);
        assert_eq!(names(&result), [found], "{search}");
        assert_eq!(result.total, 3);
    }
    // Someone else's patient is not listed: their whole name says only
    // that a patient of the practice may match (for emergency access);
    // part of it finds nothing beyond the caseload.
    let whole = caseload(rowan.fetch("/api/caseload?search=Mateo%20Alvarez").await);
    assert!(whole.rows.is_empty());
    assert_eq!(whole.elsewhere.len(), 1);
    let part = caseload(rowan.fetch("/api/caseload?search=Mateo").await);
    assert!(part.rows.is_empty());
    assert!(part.elsewhere.is_empty());

    // Listing is recorded per patient shown, and is not a chart view.
    let mut conn = app.db.conn().await;
    let listed: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordListed))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    // Every search by name opens the caseload to look (3 each); an exact
    // detail opens only the index's candidates.
    assert_eq!(listed, 3 + 3 + (3 + 3 + 3 + 1 + 1 + 1) + (3 + 3));
}

#[tokio::test(flavor = "multi_thread")]
async fn emergency_access_takes_a_reason_and_a_fresh_code_expires_and_marks_every_view() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let sam_id = user_id(&mut conn, SAM).await;
    let mut sam = app.signed_in(SAM).await;
    let chart = format!("/api/chart?patient_id={avery}");
    assert_eq!(sam.fetch(&chart).await.status, StatusCode::NOT_FOUND);

    let reason = "After-hours crisis call; on-call clinician needs the safety plan";
    // A reason first, with the message next to it; then a fresh code.
    let reply = break_glass(&mut sam, avery, "urgent").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("reason").is_some());
    let reply = break_glass(&mut sam, avery, reason).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error(&reply), AppError::StepUpRequired);
    crate::mfa::enroll(&mut sam).await;
    let reply = break_glass(&mut sam, avery, reason).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The chart opens, says so, and the view carries the reason.
    let reply = sam.fetch(&chart).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let opened: Chart = serde_json::from_str(&reply.body).expect("chart");
    assert!(opened.emergency_until.is_some());
    let events: Vec<(AuditAction, Option<String>)> = audit_events::table
        .filter(audit_events::actor_id.eq(sam_id))
        .filter(audit_events::patient_id.eq(avery))
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .order(audit_events::id)
        .select((audit_events::action, audit_events::reason))
        .load(&mut conn)
        .await
        .expect("events");
    // The trail names the emergency access; its reason is sealed, never
    // copied into the trail (nor stored in the clear).
    let fixed = Some("emergency access".to_owned());
    assert_eq!(
        events,
        [
            (AuditAction::EmergencyAccess, fixed.clone()),
            (AuditAction::RecordViewed, fixed),
        ]
    );
    let (clear, sealed): (Option<String>, Option<Vec<u8>>) = emergency_access::table
        .select((emergency_access::reason, emergency_access::reason_sealed))
        .first(&mut conn)
        .await
        .expect("the emergency access");
    assert_eq!(clear, None);
    let sealed = sealed.expect("sealed");
    assert!(!String::from_utf8_lossy(&sealed).contains("crisis"));

    // When it runs out, the chart is closed again (and the refusal
    // recorded). Aging it is the owner's: the application cannot change
    // when an emergency access started or ends.
    diesel::sql_query(
        "UPDATE emergency_access SET started_at = now() - interval '2 hours', \
         expires_at = now() - interval '1 hour'",
    )
    .execute(&mut app.db.owner_conn().await)
    .await
    .expect("aged");
    assert_eq!(sam.fetch(&chart).await.status, StatusCode::NOT_FOUND);

    // Only therapists break the glass.
    let mut admin = app.signed_in(ADMIN).await;
    let reply = break_glass(&mut admin, avery, reason).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(error(&reply), AppError::Forbidden);
}

async fn break_glass(browser: &mut Browser, patient: Uuid, reason: &str) -> Reply {
    let patient = patient.to_string();
    browser
        .call(
            "/api/emergency-access",
            &[("patient_id", &patient), ("reason", reason)],
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_that_finds_a_patient_elsewhere_is_recorded_and_gives_no_id_until_the_glass_breaks()
 {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let sam_id = user_id(&mut conn, SAM).await;
    let mut sam = app.signed_in(SAM).await;

    let reply = sam.fetch("/api/caseload?search=Avery%20Quinn").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        !reply.body.contains(&avery.to_string()),
        "the patient's id is not handed out: {}",
        reply.body
    );
    let found: Caseload = serde_json::from_str(&reply.body).expect("caseload");
    assert!(found.rows.is_empty(), "not on Sam's caseload");
    assert_eq!(found.elsewhere.len(), 1, "someone matches elsewhere");

    // The disclosure is in the trail, naming the patient reached.
    let searched: Vec<(Option<Uuid>, Option<Uuid>)> = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordSearched))
        .select((audit_events::actor_id, audit_events::patient_id))
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(searched, [(Some(sam_id), Some(avery))]);

    // The handle is good in Sam's session only: another browser's is unknown.
    let handle = found.elsewhere[0].clone();
    let reason = "After-hours crisis call; on-call clinician needs the safety plan";
    let mut stranger = app.signed_in(SAM).await;
    let by_handle = |handle: &str| {
        vec![
            ("search_match", handle.to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let form = by_handle(&handle);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = stranger.call("/api/emergency-access", &form).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    // Breaking the glass with it opens the chart, and only now the id.
    crate::mfa::enroll(&mut sam).await;
    let reply = sam.call("/api/emergency-access", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let granted: app::model::chart::EmergencyGranted =
        serde_json::from_str(&reply.body).expect("granted");
    assert_eq!(granted.patient_id, avery);
}
