//! The authorization matrix: every kind of person against every server
//! function that reaches a patient's chart, each answer checked (allowed,
//! or refused with 401/403/404) and each checked to have left its event in
//! the trail — the access, or the refusal.
//!
//! The portal's functions take no patient id (they answer about the person
//! asking): each patient reaches their own record, and staff, who keep none
//! there, are refused. "Who accessed my record" reads the trail (and, for
//! the reasons given for emergency access, the person's own record through
//! the portal's own-record access), asks for no patient id, and is covered
//! in `own_access.rs`. A therapist's home names patients of their own
//! caseload: it is here for everyone whose call leaves an event.

use crate::support::{
    TestApp,
    app::{Browser, Reply},
    records::{join_care_team, record_of},
};
use app::{
    backend::{
        db::schema::{audit_events, users},
        identity::accounts::{NewAccount, create_with_password},
        organizations,
        seed::DEMO_PASSWORD,
    },
    model::{Role, audit::AuditOutcome, chart::SavedNote},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

mod amendments;
mod consents;
mod exports;
mod measures;
mod records;
mod retention;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    PatientA,
    PatientB,
    TherapistOnTeam,
    TherapistOffTeam,
    TherapistInEmergency,
    Admin,
    AdminOfAnotherPractice,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::PatientA,
    Who::PatientB,
    Who::TherapistOnTeam,
    Who::TherapistOffTeam,
    Who::TherapistInEmergency,
    Who::Admin,
    Who::AdminOfAnotherPractice,
];

/// What they get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Allowed,
    /// 401: not signed in.
    SignIn,
    /// 403: the role may never use this.
    Forbidden,
    /// 404: this record does not exist for them.
    Hidden,
}

impl Answer {
    fn status(self) -> StatusCode {
        match self {
            Answer::Allowed => StatusCode::OK,
            Answer::SignIn => StatusCode::UNAUTHORIZED,
            Answer::Forbidden => StatusCode::FORBIDDEN,
            Answer::Hidden => StatusCode::NOT_FOUND,
        }
    }
}

/// The expected answer for each person, in [`EVERYONE`]'s order.
type Row = [Answer; 8];

use Answer::{Allowed as A, Forbidden as F, Hidden as H, SignIn as S};

/// The server functions that reach a chart, and who may use each.
/// (anonymous, patient A, patient B, on team, off team, emergency, admin,
/// other practice's admin)
const CHART: Row = [S, H, H, A, H, A, H, H];
const NOTE: Row = [S, H, H, A, H, A, H, H];
const NEW_NOTE: Row = [S, F, F, A, H, A, F, F];
/// Someone else's draft: only its author signs it (the on-team author goes
/// last, so every other attempt meets the draft unsigned).
const SIGN_OTHERS_DRAFT: Row = [S, F, F, A, H, F, F, F];
const ADDENDUM: Row = [S, F, F, A, H, A, F, F];
const CASELOAD: Row = [S, F, F, A, A, A, F, F];
/// A psychotherapy note (not shared): its author alone; emergency access
/// never reaches one.
const PSYCHOTHERAPY_NOTE: Row = [S, H, H, A, H, H, H, H];
const PSYCHOTHERAPY_WRITE: Row = [S, F, F, A, H, H, F, F];
/// Diagnoses and the treatment plan: anyone who reaches the chart.
const CHART_WRITE: Row = [S, F, F, A, H, A, F, F];
/// The roster and its changes: the practice's administrator only (another
/// practice's patient does not exist for theirs).
const ROSTER: Row = [S, F, F, F, F, F, A, A];
const ROSTER_PATIENT: Row = [S, F, F, F, F, F, A, H];
/// The portal: each patient their own record; staff keep none there.
const PORTAL: Row = [S, A, A, F, F, F, F, F];
/// Therapists: adding a patient they see, and breaking the glass (with a
/// fresh second factor; without one the answer is the prompt for a code,
/// which decides nothing).
const THERAPISTS: Row = [S, F, F, A, A, A, F, F];

/// Who asks for a therapist's home in the matrix: everyone but the two
/// therapists whose homes name nobody here. A home that names no patient
/// opens nothing, so it leaves no event to check; `homes.rs` covers what
/// such a home shows.
const HOME_ASKERS: [Who; 6] = [
    Who::Anonymous,
    Who::PatientA,
    Who::PatientB,
    Who::TherapistOnTeam,
    Who::Admin,
    Who::AdminOfAnotherPractice,
];

const PATIENT_A: &str = "avery.quinn@patients.example";
const PATIENT_B: &str = "jordan.lee@patients.example";
const ON_TEAM: &str = "rowan.ellis@juniper-creek.example";
const IN_EMERGENCY: &str = "sam.okafor@juniper-creek.example";
const OFF_TEAM: &str = "casey.moreau@juniper-creek.example";
const ADMIN: &str = "admin@juniper-creek.example";
const OTHER_ADMIN: &str = "admin@other-practice.example";

struct People {
    browsers: Vec<(Who, Browser, Option<Uuid>)>,
}

impl People {
    fn get(&mut self, who: Who) -> (&mut Browser, Option<Uuid>) {
        let (_, browser, id) = self
            .browsers
            .iter_mut()
            .find(|(w, ..)| *w == who)
            .expect("a browser for everyone");
        (browser, *id)
    }
}

async fn id_of(conn: &mut AsyncPgConnection, email: &str) -> Uuid {
    users::table
        .filter(crate::support::records::email_is(email))
        .select(users::id)
        .first(conn)
        .await
        .expect("account")
}

/// The newest event's (actor, outcome), and how many there are.
async fn newest(conn: &mut AsyncPgConnection) -> (i64, Option<Uuid>, AuditOutcome) {
    let (id, actor, outcome) = audit_events::table
        .order(audit_events::id.desc())
        .select((
            audit_events::id,
            audit_events::actor_id,
            audit_events::outcome,
        ))
        .first(conn)
        .await
        .expect("an event");
    (id, actor, outcome)
}

async fn setup() -> (TestApp, People, Uuid) {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let practice: Uuid = users::table
        .filter(crate::support::records::email_is(ADMIN))
        .select(users::organization_id)
        .first(&mut conn)
        .await
        .expect("practice");
    let account = |email: &str, name: &str, role| NewAccount {
        email: email.to_owned(),
        display_name: name.to_owned(),
        role,
        password: DEMO_PASSWORD.to_owned(),
    };
    let casey = create_with_password(
        &mut conn,
        &app.state.passwords,
        &app.state.vault,
        practice,
        account(OFF_TEAM, "Casey Moreau", Role::Therapist),
    )
    .await
    .expect("a therapist not on patient A's team");
    // On someone else's team, so their caseload is not empty.
    let mateo = record_of(&mut conn, "mateo.alvarez@patients.example").await;
    join_care_team(&mut conn, practice, mateo, casey, casey).await;
    let other = organizations::find_or_create(&mut conn, "Other Practice", "other-practice")
        .await
        .expect("practice");
    create_with_password(
        &mut conn,
        &app.state.passwords,
        &app.state.vault,
        other,
        account(OTHER_ADMIN, "Other Admin", Role::Admin),
    )
    .await
    .expect("their administrator");
    let patient_a = record_of(&mut conn, PATIENT_A).await;

    let mut browsers = Vec::new();
    for (who, email) in [
        (Who::Anonymous, None),
        (Who::PatientA, Some(PATIENT_A)),
        (Who::PatientB, Some(PATIENT_B)),
        (Who::TherapistOnTeam, Some(ON_TEAM)),
        (Who::TherapistOffTeam, Some(OFF_TEAM)),
        (Who::TherapistInEmergency, Some(IN_EMERGENCY)),
        (Who::Admin, Some(ADMIN)),
        (Who::AdminOfAnotherPractice, Some(OTHER_ADMIN)),
    ] {
        let mut browser = app.browser();
        let id = match email {
            Some(email) => {
                browser.sign_in(email, DEMO_PASSWORD).await;
                Some(id_of(&mut conn, email).await)
            }
            None => None,
        };
        browsers.push((who, browser, id));
    }
    let mut people = People { browsers };
    // Sam breaks the glass for patient A (a fresh code first).
    let (sam, _) = people.get(Who::TherapistInEmergency);
    crate::mfa::enroll(sam).await;
    let reply = sam
        .call(
            "/api/emergency-access",
            &[
                ("patient_id", &patient_a.to_string()),
                ("reason", "After-hours crisis call needs the safety plan"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    (app, people, patient_a)
}

/// A note by the on-team therapist on patient A: a draft, or signed.
async fn note(people: &mut People, patient: Uuid, signed: bool) -> Uuid {
    let (rowan, _) = people.get(Who::TherapistOnTeam);
    let reply = call(rowan, &Call::Post("/api/save-note", new_note(patient))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved: SavedNote = serde_json::from_str(&reply.body).expect("saved");
    if signed {
        let id = saved.id.to_string();
        let reply = rowan
            .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    saved.id
}

/// A private psychotherapy note by the on-team therapist on patient A,
/// signed.
async fn psychotherapy(people: &mut People, patient: Uuid) -> Uuid {
    let (rowan, _) = people.get(Who::TherapistOnTeam);
    crate::psychotherapy::psychotherapy_note(rowan, patient, false, "For the matrix.").await
}

fn new_psychotherapy_note(patient: Uuid) -> Vec<(&'static str, String)> {
    let mut form = new_note(patient);
    form.push(("kind", "psychotherapy".into()));
    form
}

fn new_note(patient: Uuid) -> Vec<(&'static str, String)> {
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    vec![
        ("patient_id", patient.to_string()),
        ("template", "dap".into()),
        ("session_date", today),
        ("data", "Session content for the matrix.".into()),
        ("assessment", "Stable.".into()),
        ("plan", "Continue.".into()),
    ]
}

/// One server function: how to call it.
enum Call {
    Get(String),
    Post(&'static str, Vec<(&'static str, String)>),
}

async fn call(browser: &mut Browser, how: &Call) -> Reply {
    match how {
        Call::Get(path) => browser.fetch(path).await,
        Call::Post(path, form) => {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.call(path, &form).await
        }
    }
}

/// Calls `how` as everyone, in `order`, checking each answer against
/// `expected` and that the trail gained the matching event.
async fn check(
    app: &TestApp,
    people: &mut People,
    name: &str,
    how: &Call,
    expected: Row,
    order: &[Who],
) {
    let mut conn = app.db.conn().await;
    for who in order {
        let at = EVERYONE.iter().position(|w| w == who).expect("known");
        let answer = expected[at];
        let (before, ..) = newest(&mut conn).await;
        let (browser, id) = people.get(*who);
        let reply = call(browser, how).await;
        assert_eq!(
            reply.status,
            answer.status(),
            "{name} as {who:?}: {}",
            reply.body
        );
        let (after, actor, outcome) = newest(&mut conn).await;
        assert!(after > before, "{name} as {who:?} left no event");
        assert_eq!(actor, id, "{name} as {who:?}: the event names them");
        let want = if answer == Answer::Allowed {
            AuditOutcome::Allowed
        } else {
            AuditOutcome::Denied
        };
        assert_eq!(outcome, want, "{name} as {who:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_every_chart_function_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    let draft = note(&mut people, patient, false).await;
    let signed = note(&mut people, patient, true).await;

    let everyone_then_author: Vec<Who> = EVERYONE
        .iter()
        .copied()
        .filter(|w| *w != Who::TherapistOnTeam)
        .chain([Who::TherapistOnTeam])
        .collect();
    let table: Vec<(&str, Call, Row, &[Who])> = vec![
        (
            "chart",
            Call::Get(format!("/api/chart?patient_id={patient}")),
            CHART,
            &EVERYONE,
        ),
        (
            "patient-name",
            Call::Get(format!("/api/patient-name?patient_id={patient}")),
            CHART,
            &EVERYONE,
        ),
        (
            "note",
            Call::Get(format!("/api/note?note_id={signed}")),
            NOTE,
            &EVERYONE,
        ),
        (
            "save-note",
            Call::Post("/api/save-note", new_note(patient)),
            NEW_NOTE,
            &EVERYONE,
        ),
        (
            "sign-note",
            Call::Post(
                "/api/sign-note",
                vec![("note_id", draft.to_string()), ("version", "1".into())],
            ),
            SIGN_OTHERS_DRAFT,
            &everyone_then_author,
        ),
        (
            "add-addendum",
            Call::Post(
                "/api/add-addendum",
                vec![
                    ("note_id", signed.to_string()),
                    ("text", "Correction for the matrix.".into()),
                ],
            ),
            ADDENDUM,
            &EVERYONE,
        ),
        (
            "caseload",
            Call::Get("/api/caseload".into()),
            CASELOAD,
            &EVERYONE,
        ),
        // By now the on-team therapist has opened patient A's chart, so
        // their home names (and records) them.
        (
            "therapist-home",
            Call::Get("/api/therapist-home".into()),
            CASELOAD,
            &HOME_ASKERS,
        ),
    ];
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
}

/// Psychotherapy notes (in a run of their own, so the rate limits of one
/// run are not what answers): their author alone, and never through
/// emergency access.
#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_psychotherapy_notes_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    let private = psychotherapy(&mut people, patient).await;
    let table: Vec<(&str, Call, Row, &[Who])> = vec![
        (
            "note (psychotherapy)",
            Call::Get(format!("/api/note?note_id={private}")),
            PSYCHOTHERAPY_NOTE,
            &EVERYONE,
        ),
        (
            "save-note (psychotherapy)",
            Call::Post("/api/save-note", new_psychotherapy_note(patient)),
            PSYCHOTHERAPY_WRITE,
            &EVERYONE,
        ),
        (
            "add-addendum (psychotherapy)",
            Call::Post(
                "/api/add-addendum",
                vec![
                    ("note_id", private.to_string()),
                    ("text", "Correction for the matrix.".into()),
                ],
            ),
            PSYCHOTHERAPY_WRITE,
            &EVERYONE,
        ),
        (
            "share-note (psychotherapy; kept private)",
            Call::Post(
                "/api/share-note",
                vec![("note_id", private.to_string()), ("shared", "false".into())],
            ),
            PSYCHOTHERAPY_WRITE,
            &EVERYONE,
        ),
    ];
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
}
