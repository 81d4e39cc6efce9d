//! Legal holds and erasure: a record whose retention has ended is erased
//! whole (its keys destroyed, every row about the patient gone with the
//! blind indexes in them, the portal account and its sessions gone, a
//! tombstone left), nobody else's value is touched, and the audit trail
//! still verifies; a hold, an early date, a wrong name, a missing second
//! factor or the wrong person erase nothing. The operator's
//! `cairn retention` reports and erases what is due, and only that.

use crate::charts::{ADMIN, AVERY, ROWAN, record_of, user_id};
use crate::cli::{run, stderr};
use crate::exports::full_record;
use crate::plans::refused_on;
use crate::support::{
    TestApp,
    app::Browser,
    db::rows_as_text,
    records::{OTHER_ADMIN, other_practice_admin},
};
use app::{
    backend::{
        db::schema::{audit_events, patients, users},
        seed::{DEMO_FORMER_PATIENT, DEMO_PASSWORD},
    },
    model::{audit::AuditAction, retention::RetentionReview},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

const JORDAN: &str = "jordan.lee@patients.example";
const HARPER: &str = "harper.nguyen@patients.example";
/// Born in 2001: sixteen or younger when last seen ten years ago.
const MATEO: &str = "mateo.alvarez@patients.example";

/// Tables that name a patient and keep doing so after erasure: the trail
/// (no health information), the record of destroyed keys, the tombstone.
const KEPT: &[&str] = &["audit_events", "data_key_destructions", "patient_erasures"];

/// Moves every date of patient `patient`'s record `years` back, as if it
/// had all happened then (as the tables' owner, with triggers off: a
/// signed note's dates cannot otherwise change).
pub(crate) async fn age(app: &TestApp, patient: Uuid, years: u32) {
    let mut owner = app.db.owner_conn().await;
    let kept = KEPT
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "DO $$ DECLARE t record; BEGIN \
           SET LOCAL session_replication_role = replica; \
           FOR t IN SELECT c.table_name, c.column_name FROM information_schema.columns c \
             WHERE c.table_schema = 'public' AND c.data_type IN ('date', 'timestamp with time zone') \
               AND c.table_name IN (SELECT table_name FROM information_schema.columns \
                                    WHERE table_schema = 'public' AND column_name = 'patient_id') \
               AND c.table_name NOT IN ({kept}) \
           LOOP \
             EXECUTE format('UPDATE %I SET %I = %I - interval ''{years} years'' WHERE patient_id = %L', \
                            t.table_name, t.column_name, t.column_name, '{patient}'); \
           END LOOP; \
           UPDATE patients SET created_at = created_at - interval '{years} years', \
                               deleted_at = deleted_at - interval '{years} years' WHERE id = '{patient}'; \
         END $$"
    );
    diesel::sql_query(sql)
        .execute(&mut owner)
        .await
        .expect("aged");
}

async fn review(admin: &mut Browser) -> RetentionReview {
    let reply = admin.fetch("/api/retention").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("the review")
}

fn names(rows: &[app::model::retention::RetentionRow]) -> Vec<String> {
    rows.iter().filter_map(|r| r.legal_name.clone()).collect()
}

async fn erase(browser: &mut Browser, patient: Uuid, name: &str) -> crate::support::app::Reply {
    browser
        .call(
            "/api/erase-record",
            &[("patient_id", &patient.to_string()), ("confirm_name", name)],
        )
        .await
}

async fn hold(browser: &mut Browser, patient: Uuid, reason: &str, lift: bool) -> StatusCode {
    let reply = browser
        .call(
            "/api/legal-hold",
            &[
                ("patient_id", &patient.to_string()),
                ("reason", reason),
                ("lift", if lift { "true" } else { "false" }),
            ],
        )
        .await;
    reply.status
}

/// How many rows of every table that names a patient (but those kept)
/// still name `patient`, by table, where any does.
async fn left_of(conn: &mut AsyncPgConnection, patient: Uuid) -> Vec<String> {
    let tables = rows_as_text(
        conn,
        "SELECT table_name::text AS row FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'patient_id' ORDER BY 1",
    )
    .await;
    assert!(
        tables.len() > 15,
        "the catalogue lists the record's tables: {tables:?}"
    );
    let mut left = Vec::new();
    for table in tables.iter().filter(|t| !KEPT.contains(&t.as_str())) {
        let n = rows_as_text(
            conn,
            &format!("SELECT count(*)::text AS row FROM {table} WHERE patient_id = '{patient}'"),
        )
        .await;
        if n != ["0"] {
            left.push(format!("{table}: {n:?}"));
        }
    }
    left
}

/// The demo's former patient (removed from the lists nine years ago).
async fn aged_former(conn: &mut AsyncPgConnection) -> Uuid {
    patients::table
        .filter(patients::deleted_at.is_not_null())
        .select(patients::id)
        .first(conn)
        .await
        .expect("the former patient")
}

async fn erased_events(conn: &mut AsyncPgConnection, patient: Uuid) -> Vec<Option<Uuid>> {
    audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordErased))
        .filter(audit_events::patient_id.eq(patient))
        .select(audit_events::actor_id)
        .load(conn)
        .await
        .expect("events")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erased_record_is_gone_whole_nobody_else_s_and_the_trail_still_verifies() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let mut owner = app.db.owner_conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let account = user_id(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    full_record(&mut rowan, avery).await;
    let mut patient = app.signed_in(AVERY).await;
    assert_eq!(
        patient.fetch("/api/my-information").await.status,
        StatusCode::OK
    );
    let (name_index, email_index): (Vec<u8>, Option<Vec<u8>>) = patients::table
        .find(avery)
        .select((patients::legal_name_index, patients::email_index))
        .first(&mut conn)
        .await
        .expect("indexes");
    let keys_before = rows_as_text(
        &mut owner,
        &format!("SELECT id::text AS row FROM data_keys WHERE patient_id = '{avery}' ORDER BY id"),
    )
    .await;
    assert_eq!(keys_before.len(), 2, "a record key and a psychotherapy key");

    let mut admin = app.signed_in(ADMIN).await;
    // A second factor first: without it, nothing.
    let reply = erase(&mut admin, avery, "Avery Quinn").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let stepped = admin
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(stepped.status, StatusCode::OK, "{}", stepped.body);

    // Before its date: refused with the date, nothing changes.
    let reply = erase(&mut admin, avery, "Avery Quinn").await;
    assert!(
        refused_on(&reply, "erase").contains("kept until"),
        "{}",
        reply.body
    );
    let now = review(&mut admin).await;
    assert!(!names(&now.due).contains(&"Avery Quinn".to_owned()));
    assert_eq!(
        names(&now.due),
        [DEMO_FORMER_PATIENT.0],
        "the demo's former patient is due"
    );

    // A record removed from the lists is held and released like any.
    let former = aged_former(&mut conn).await;
    assert_eq!(
        hold(&mut admin, former, "An audit of discharges", false).await,
        StatusCode::OK
    );
    assert_eq!(
        names(&review(&mut admin).await.held),
        [DEMO_FORMER_PATIENT.0]
    );
    assert_eq!(
        hold(&mut admin, former, "The audit ended", true).await,
        StatusCode::OK
    );

    age(&app, avery, 10).await;
    let aged = review(&mut admin).await;
    assert!(
        names(&aged.due).contains(&"Avery Quinn".to_owned()),
        "{:?}",
        names(&aged.due)
    );
    assert!(!names(&aged.due).contains(&"Jordan Lee".to_owned()));

    // A legal hold keeps it, whatever its date.
    assert_eq!(
        hold(&mut admin, avery, "", false).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        hold(&mut admin, avery, "Subpoena, Example County case 12", false).await,
        StatusCode::OK
    );
    assert_eq!(
        hold(&mut admin, avery, "Twice", false).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one hold at a time"
    );
    let held = review(&mut admin).await;
    assert_eq!(names(&held.held), ["Avery Quinn"]);
    assert_eq!(
        held.held[0].hold.as_ref().map(|h| h.reason.as_str()),
        Some("Subpoena, Example County case 12")
    );
    assert!(!names(&held.due).contains(&"Avery Quinn".to_owned()));
    let reply = erase(&mut admin, avery, "Avery Quinn").await;
    assert!(refused_on(&reply, "erase").contains("legal hold"));

    // Nobody but the practice's administrators.
    for email in [ROWAN, AVERY] {
        let mut other = app.signed_in(email).await;
        let _ = other
            .call("/api/step-up", &[("password", DEMO_PASSWORD)])
            .await;
        assert_eq!(
            erase(&mut other, avery, "Avery Quinn").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            hold(&mut other, avery, "No", true).await,
            StatusCode::FORBIDDEN
        );
    }
    other_practice_admin(&mut conn, &app.state).await;
    let mut stranger = app.signed_in(OTHER_ADMIN).await;
    let _ = stranger
        .call("/api/step-up", &[("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(
        erase(&mut stranger, avery, "Avery Quinn").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hold(&mut stranger, avery, "No", true).await,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        hold(&mut admin, avery, "", true).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        hold(&mut admin, avery, "The case settled", true).await,
        StatusCode::OK
    );
    let reply = erase(&mut admin, avery, "Avery").await;
    refused_on(&reply, "confirm_name");
    assert!(
        left_of(&mut owner, avery).await.len() > 5,
        "nothing erased yet"
    );

    let reply = erase(&mut admin, avery, "  avery quinn ").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Gone: every row about them, their keys, their account and sessions,
    // the blind indexes that found them.
    assert_eq!(left_of(&mut owner, avery).await, Vec::<String>::new());
    let patients_left: i64 = patients::table
        .filter(
            patients::id
                .eq(avery)
                .or(patients::legal_name_index.eq(&name_index))
                .or(patients::email_index.eq(email_index.clone())),
        )
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(patients_left, 0);
    let accounts_left: i64 = users::table
        .filter(users::id.eq(account).or(users::email_index.eq(email_index)))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(accounts_left, 0);
    assert_eq!(
        rows_as_text(
            &mut owner,
            &format!("SELECT count(*)::text AS row FROM data_keys WHERE patient_id = '{avery}'")
        )
        .await,
        ["0"]
    );
    let destroyed = rows_as_text(
        &mut owner,
        &format!(
            "SELECT key_id::text AS row FROM data_key_destructions WHERE patient_id = '{avery}' ORDER BY key_id"
        ),
    )
    .await;
    assert_eq!(destroyed, keys_before, "both keys destroyed, and recorded");
    assert_eq!(
        patient.fetch("/api/my-information").await.status,
        StatusCode::UNAUTHORIZED,
        "their session went with their account"
    );

    // Nobody else's: every other record still opens.
    let roster = admin.fetch("/api/roster").await;
    assert_eq!(roster.status, StatusCode::OK);
    assert!(roster.body.contains("Jordan Lee") && !roster.body.contains("Avery Quinn"));
    assert!(
        !roster.body.contains("\"legal_name\":null"),
        "{}",
        roster.body
    );
    let jordan = record_of(&mut conn, JORDAN).await;
    assert_eq!(
        rowan
            .fetch(&format!("/api/chart?patient_id={jordan}"))
            .await
            .status,
        StatusCode::OK
    );

    // The tombstone, the trail's record of it, and the trail still whole.
    let after = review(&mut admin).await;
    let tombstone = after
        .erased
        .iter()
        .find(|e| e.patient_id == avery)
        .expect("a tombstone");
    assert_eq!(tombstone.erased_by.as_deref(), Some("Morgan Reyes"));
    let admin_id = user_id(&mut conn, ADMIN).await;
    assert_eq!(erased_events(&mut conn, avery).await, [Some(admin_id)]);
    let env = [("DATABASE_URL", app.db.url.as_str())];
    let verified = run(&env, &["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));

    // Erased is erased.
    assert_eq!(
        erase(&mut admin, avery, "Avery Quinn").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_erases_what_is_due_and_keeps_what_is_held() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let harper = record_of(&mut conn, HARPER).await;
    let jordan = record_of(&mut conn, JORDAN).await;
    let avery = record_of(&mut conn, AVERY).await;
    let mateo = record_of(&mut conn, MATEO).await;
    age(&app, harper, 9).await;
    age(&app, jordan, 9).await;
    age(&app, mateo, 10).await;
    let mut admin = app.signed_in(ADMIN).await;
    // Where minors come of age at 25, Mateo's record (last seen at 15) is
    // kept until 2026 + 7 years, though ten years have passed.
    let set = admin
        .call(
            "/api/practice-retention",
            &[("retention_years", "7"), ("age_of_majority", "25")],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(
        hold(&mut admin, jordan, "Records request from a court", false).await,
        StatusCode::OK
    );
    let former = aged_former(&mut conn).await;

    let env = [("DATABASE_URL", app.db.url.as_str())];
    let report = run(&env, &["retention", "report"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let printed = String::from_utf8_lossy(&report.stdout).into_owned();
    assert!(printed.contains("2 record(s) may be erased"), "{printed}");
    assert!(printed.contains(&harper.to_string()) && printed.contains(&former.to_string()));
    assert!(
        printed.contains("1 record(s) under a legal hold"),
        "{printed}"
    );
    assert!(printed.contains(&jordan.to_string()));
    assert!(!printed.contains(&avery.to_string()));
    assert!(
        !printed.contains("Harper"),
        "no names in a terminal: {printed}"
    );

    let refused = run(&env, &["retention", "erase"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--due"), "{}", stderr(&refused));

    let erased = run(&env, &["retention", "erase", "--due"]);
    assert!(erased.status.success(), "{}", stderr(&erased));
    let printed = String::from_utf8_lossy(&erased.stdout).into_owned();
    assert!(printed.contains("Erased 2 record(s)"), "{printed}");
    assert!(printed.contains("1 under a legal hold kept"), "{printed}");
    let mut owner = app.db.owner_conn().await;
    assert_eq!(left_of(&mut owner, harper).await, Vec::<String>::new());
    assert!(!left_of(&mut owner, jordan).await.is_empty(), "held: kept");
    assert!(
        !left_of(&mut owner, avery).await.is_empty(),
        "not due: kept"
    );
    assert_eq!(
        erased_events(&mut conn, harper).await,
        [None],
        "the operator's command"
    );

    // Again: nothing left to do.
    let again = run(&env, &["retention", "erase", "--due"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("Erased 0 record(s)"));
    let verified = run(&env, &["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patient_s_request_is_answered_with_its_day_and_listed_for_the_practice() {
    use app::model::retention::ErasureAnswer;
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut patient = app.signed_in(AVERY).await;

    // Asked before the end of retention: recorded, answered with the day
    // (seven years after the last activity, which the asking does not move).
    let reply = patient.call("/api/ask-erasure", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let answer: ErasureAnswer = serde_json::from_str(&reply.body).expect("answer");
    assert!(!answer.possible_now && !answer.held);
    let in_seven = time::OffsetDateTime::now_utc().date().year() + 7;
    assert!(
        answer.possible_on.starts_with(&in_seven.to_string())
            || answer.possible_on.starts_with(&(in_seven - 1).to_string()),
        "{}",
        answer.possible_on
    );
    let reply = patient.fetch("/api/my-erasure").await;
    let mine: Option<Vec<ErasureAnswer>> = serde_json::from_str(&reply.body).expect("mine");
    assert_eq!(mine.expect("a record"), std::slice::from_ref(&answer));
    let asked: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::ErasureRequested))
        .filter(audit_events::patient_id.eq(avery))
        .count()
        .get_result(&mut conn)
        .await
        .expect("events");
    assert_eq!(asked, 1);

    // The practice sees who asked and from when it may erase.
    let mut admin = app.signed_in(ADMIN).await;
    let review: RetentionReview =
        serde_json::from_str(&admin.fetch("/api/retention").await.body).expect("review");
    let [row] = review.requests.as_slice() else {
        panic!("one request: {}", review.requests.len());
    };
    assert_eq!(row.legal_name.as_deref(), Some("Avery Quinn"));
    assert_eq!(row.answer, answer);

    // Under a hold, a new request is answered so; staff ask for nobody.
    let reply = admin
        .call(
            "/api/legal-hold",
            &[
                ("patient_id", &avery.to_string()),
                ("reason", "Records request in an example case"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patient.call("/api/ask-erasure", &[]).await;
    let held: ErasureAnswer = serde_json::from_str(&reply.body).expect("answer");
    assert!(held.held && !held.possible_now);
    let mut rowan = app.signed_in(ROWAN).await;
    let reply = rowan.call("/api/ask-erasure", &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
