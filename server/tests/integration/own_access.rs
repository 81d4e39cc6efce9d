//! A person's own accounting, "Who accessed my record", through the full
//! router against PostgreSQL: staff's actions on their record and account,
//! nothing internal and nothing of anyone else's; by day and person in
//! plain words, with emergency access and its reason, paged.

use crate::support::TestApp;
use app::{
    backend::db::schema::{audit_events, users},
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, RecordAccess},
    },
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use std::collections::BTreeSet;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const PATIENT: &str = "avery.quinn@patients.example";

#[tokio::test]
async fn a_person_sees_staff_accesses_to_their_account_and_nothing_internal() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let patient_id = crate::support::records::user_id(&mut conn, PATIENT).await;
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin
        .call(
            "/api/account-action",
            &[("user_id", &patient_id.to_string()), ("action", "unlock")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let mut patient = app.signed_in(PATIENT).await;
    let reply = patient.fetch("/api/my-record-access").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let accesses: Vec<RecordAccess> = serde_json::from_str(&reply.body).expect("accesses");
    // Staff's actions on them are listed (the demo set-up put therapists
    // on their care team, too); their own sign-in is not.
    let unlocks: Vec<&RecordAccess> = accesses
        .iter()
        .filter(|a| a.what == "Account unlocked")
        .collect();
    assert_eq!(unlocks.len(), 1, "{accesses:?}");
    assert_eq!(unlocks[0].who, "Morgan Reyes");
    assert_eq!(unlocks[0].role, Role::Admin);
    assert!(
        accesses.iter().all(|a| a.what != "Signed in"),
        "their own sign-in is not listed: {accesses:?}"
    );

    // Someone else sees none of it (only what was done to their own
    // account: being put on care teams).
    let mut therapist = app.signed_in(THERAPIST).await;
    let theirs: Vec<RecordAccess> =
        serde_json::from_str(&therapist.fetch("/api/my-record-access").await.body)
            .expect("accesses");
    assert!(
        theirs.iter().all(|a| a.what == "Added to a care team"),
        "{theirs:?}"
    );
}

/// "Who accessed my record" by day: each member of staff once a day, what
/// they did in plain words and how often (the count the trail holds), an
/// emergency access set apart with the reason the therapist gave (sealed,
/// opened for the patient), days paged, and a bad page named, not guessed.
#[tokio::test(flavor = "multi_thread")]
async fn a_patient_reads_accesses_by_day_in_plain_words_with_emergency_access_and_its_reason() {
    use crate::support::records::{record_of, user_id};
    use app::{
        backend::dates::long_day,
        model::audit::{AccessHistory, times},
    };
    const SAM: &str = "sam.okafor@juniper-creek.example";
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, PATIENT).await;
    let chart = format!("/api/chart?patient_id={avery}");
    let mut rowan = app.signed_in(THERAPIST).await;
    for _ in 0..20 {
        assert_eq!(rowan.fetch(&chart).await.status, StatusCode::OK);
    }
    let mut sam = app.signed_in(SAM).await;
    crate::mfa::enroll(&mut sam).await;
    let reason = "After-hours crisis call; on-call clinician needs the safety plan";
    let avery_id = avery.to_string();
    let reply = sam
        .call(
            "/api/emergency-access",
            &[("patient_id", &avery_id), ("reason", reason)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(sam.fetch(&chart).await.status, StatusCode::OK);

    let mut patient = app.signed_in(PATIENT).await;
    let reply = patient.fetch("/api/my-access-history").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let history: AccessHistory = serde_json::from_str(&reply.body).expect("history");
    let today = &history.days[0];
    assert_eq!(today.day, long_day(time::OffsetDateTime::now_utc().date()));
    let rowan_views: i64 = audit_events::table
        .filter(audit_events::actor_id.eq(user_id(&mut conn, THERAPIST).await))
        .filter(audit_events::patient_id.eq(avery))
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    let rowan_today: Vec<_> = today
        .people
        .iter()
        .filter(|p| p.who == "Dr. Rowan Ellis")
        .collect();
    assert_eq!(rowan_today.len(), 1, "one line a person a day: {today:?}");
    let sentence = rowan_today[0].sentence();
    assert!(
        sentence.contains(&format!(
            "viewed your record {}",
            times(u32::try_from(rowan_views).expect("few"))
        )),
        "{sentence}"
    );
    let sam_today = today
        .people
        .iter()
        .find(|p| p.who.starts_with("Sam Okafor"))
        .expect("Sam's line");
    assert!(sam_today.in_emergency);
    assert_eq!(sam_today.emergencies.len(), 1, "{sam_today:?}");
    assert_eq!(sam_today.emergencies[0].reason, reason);
    assert!(
        sam_today
            .sentence()
            .contains("opened your record in an emergency once"),
        "{}",
        sam_today.sentence()
    );
    assert_eq!(history.earlier, None, "one day of accesses is one page");

    // Opening the reason for the patient is a read of their record, and
    // recorded as theirs.
    let own_reads: i64 = audit_events::table
        .filter(audit_events::actor_id.eq(user_id(&mut conn, PATIENT).await))
        .filter(audit_events::patient_id.eq(avery))
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert!(own_reads >= 1);

    // A page that is not a day is named, not guessed at.
    let reply = patient
        .fetch("/api/my-access-history?before=last%20week")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("That is not a day"), "{}", reply.body);

    // Spread over 20 days (the trail is the owner's to age, in a test),
    // the days come 14 to a page, the second page picks up where the
    // first stopped, and together they count every event once.
    let account = user_id(&mut conn, PATIENT).await;
    let owner = &mut app.db.owner_conn().await;
    for statement in [
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete".to_owned(),
        format!(
            "UPDATE audit_events e SET occurred_at = e.occurred_at - (n.rn % 20) * interval '1 day' \
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM audit_events \
                   WHERE patient_id = '{avery}' AND actor_id <> '{account}') n \
             WHERE e.id = n.id"
        ),
        "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete".to_owned(),
    ] {
        diesel::sql_query(statement)
            .execute(owner)
            .await
            .expect("aged");
    }
    let first: AccessHistory =
        serde_json::from_str(&patient.fetch("/api/my-access-history").await.body).expect("history");
    assert_eq!(first.days.len(), 14);
    let earlier = first.earlier.clone().expect("an older page");
    let second: AccessHistory = serde_json::from_str(
        &patient
            .fetch(&format!("/api/my-access-history?before={earlier}"))
            .await
            .body,
    )
    .expect("history");
    assert!(!second.days.is_empty());
    assert_eq!(second.earlier, None);
    let shown: u32 = first
        .days
        .iter()
        .chain(&second.days)
        .flat_map(|d| &d.people)
        .flat_map(|p| &p.did)
        .map(|(_, n)| n)
        .sum();
    let staff_events: i64 = audit_events::table
        .inner_join(users::table.on(users::id.nullable().eq(audit_events::actor_id)))
        .filter(
            audit_events::patient_id
                .eq(avery)
                .or(audit_events::subject_user_id.eq(account)),
        )
        .filter(audit_events::outcome.eq(AuditOutcome::Allowed))
        .filter(users::role.ne(Role::Patient))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(i64::from(shown), staff_events);
    let days: BTreeSet<&str> = first
        .days
        .iter()
        .chain(&second.days)
        .map(|d| d.day.as_str())
        .collect();
    assert_eq!(
        days.len(),
        first.days.len() + second.days.len(),
        "no day twice"
    );
}
