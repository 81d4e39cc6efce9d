//! Psychotherapy notes against the full router and PostgreSQL: their own
//! data key per patient, read by their author alone unless the author
//! shares them with the care team, never through emergency access, never
//! listed to anyone who may not open them, and kept through a key
//! rotation.

use crate::charts::{AVERY, ROWAN, SAM, error, record_of, user_id};
use crate::support::{
    TestApp,
    app::Browser,
    records::{join_care_team, open_with, signed_in as session_of},
};
use app::{
    backend::{
        client::ClientInfo,
        db::schema::{audit_events, clinical_notes, data_keys},
        identity::accounts::{NewAccount, create_with_password},
        records::access::{self, Reach},
        seed::DEMO_PASSWORD,
        vault::{
            Sealed, Unreadable, columns,
            rotate::{self, Target},
        },
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
        chart::{Chart, NoteKind, NoteView, SavedNote},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use http::StatusCode;
use uuid::Uuid;

const TEAMMATE: &str = "noa.brandt@juniper-creek.example";
const PRIVATE_TEXT: &str = "canary-psychotherapy-91c2 transference themes";

/// A signed psychotherapy note by `author` on `patient`, shared with the
/// care team or not.
pub(crate) async fn psychotherapy_note(
    author: &mut Browser,
    patient: Uuid,
    shared: bool,
    text: &str,
) -> Uuid {
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let patient = patient.to_string();
    let shared = if shared { "on" } else { "" };
    let reply = author
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient),
                ("kind", "psychotherapy"),
                ("shared", shared),
                ("template", "dap"),
                ("session_date", &today),
                ("data", text),
                ("assessment", "Working alliance strong."),
                ("plan", "Explore next session."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved: SavedNote = serde_json::from_str(&reply.body).expect("saved");
    let id = saved.id.to_string();
    let reply = author
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    saved.id
}

/// A second therapist of the practice, on `patient`'s care team.
async fn teammate(app: &TestApp, conn: &mut AsyncPgConnection, patient: Uuid) -> Browser {
    let rowan = session_of(conn, ROWAN).await;
    let practice = rowan.organization_id;
    let noa = create_with_password(
        conn,
        &app.state.passwords,
        &app.state.vault,
        practice,
        NewAccount {
            email: TEAMMATE.to_owned(),
            display_name: "Noa Brandt".to_owned(),
            role: Role::Therapist,
            password: DEMO_PASSWORD.to_owned(),
        },
    )
    .await
    .expect("a second therapist");
    join_care_team(conn, practice, patient, noa, rowan.user_id).await;
    app.signed_in(TEAMMATE).await
}

async fn chart(browser: &mut Browser, patient: Uuid) -> Chart {
    let reply = browser
        .fetch(&format!("/api/chart?patient_id={patient}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("chart")
}

fn listed(chart: &Chart, note: Uuid) -> bool {
    chart.notes.iter().any(|n| n.id == note)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_psychotherapy_note_is_its_author_s_unless_shared_and_never_reached_in_an_emergency() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let mut noa = teammate(&app, &mut conn, avery).await;
    let private = psychotherapy_note(&mut rowan, avery, false, PRIVATE_TEXT).await;
    let shared = psychotherapy_note(&mut rowan, avery, true, "Shared formulation.").await;

    // The author reads both, and the chart lists both, marked.
    let reply = rowan.fetch(&format!("/api/note?note_id={private}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let opened: NoteView = serde_json::from_str(&reply.body).expect("note");
    assert_eq!(opened.kind, NoteKind::Psychotherapy);
    assert!(!opened.shared);
    assert_eq!(opened.section("data"), PRIVATE_TEXT);
    let theirs = chart(&mut rowan, avery).await;
    assert!(listed(&theirs, private) && listed(&theirs, shared));

    // A teammate: the shared note yes (and may add an addendum), the
    // private one not found, and not even listed.
    let noa_id = user_id(&mut conn, TEAMMATE).await;
    let reply = noa.fetch(&format!("/api/note?note_id={shared}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = noa
        .call(
            "/api/add-addendum",
            &[
                ("note_id", &shared.to_string()),
                ("text", "Agree with the formulation."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = noa.fetch(&format!("/api/note?note_id={private}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(error(&reply), AppError::NotFound);
    let reply = noa
        .call(
            "/api/add-addendum",
            &[
                ("note_id", &private.to_string()),
                ("text", "Trying to add to it."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let mine = chart(&mut noa, avery).await;
    assert!(listed(&mine, shared) && !listed(&mine, private));
    let refused: Vec<(AuditAction, AuditOutcome, Option<Uuid>)> = audit_events::table
        .filter(audit_events::actor_id.eq(noa_id))
        .filter(audit_events::outcome.eq(AuditOutcome::Denied))
        .select((
            audit_events::action,
            audit_events::outcome,
            audit_events::patient_id,
        ))
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(
        refused,
        [(AuditAction::AccessDenied, AuditOutcome::Denied, Some(avery)); 2],
        "both refusals recorded"
    );

    // The author shares the private one later, and stops again; no one
    // else may.
    let share = async |browser: &mut Browser, on: bool| {
        let on = on.to_string();
        let form = [("note_id", private.to_string()), ("shared", on)];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.call("/api/share-note", &form).await
    };
    let reply = share(&mut noa, true).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "not even seen");
    let reply = share(&mut rowan, true).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = noa.fetch(&format!("/api/note?note_id={private}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(listed(&chart(&mut noa, avery).await, private));
    let reply = share(&mut noa, false).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "only its author");
    let reply = share(&mut rowan, false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = noa.fetch(&format!("/api/note?note_id={private}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Emergency access opens the chart, never a psychotherapy note, and
    // the chart does not list them.
    let mut sam = app.signed_in(SAM).await;
    crate::mfa::enroll(&mut sam).await;
    let reason = "After-hours crisis call; on-call clinician needs the safety plan";
    let reply = sam
        .call(
            "/api/emergency-access",
            &[("patient_id", &avery.to_string()), ("reason", reason)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let in_emergency = chart(&mut sam, avery).await;
    assert!(!listed(&in_emergency, shared) && !listed(&in_emergency, private));
    for note in [private, shared] {
        let reply = sam.fetch(&format!("/api/note?note_id={note}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }

    // A therapist cannot write one in an emergency either.
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let reply = sam
        .call(
            "/api/save-note",
            &[
                ("patient_id", &avery.to_string()),
                ("kind", "psychotherapy"),
                ("template", "dap"),
                ("session_date", &today),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // The patient's portal holds no note of any kind.
    let mut avery_browser = app.signed_in(AVERY).await;
    let reply = avery_browser.fetch("/api/my-information").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains("canary-psychotherapy"));
    let reply = avery_browser
        .fetch(&format!("/api/note?note_id={private}"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // A kind the editor does not offer is refused next to the field.
    let reply = rowan
        .call(
            "/api/save-note",
            &[
                ("patient_id", &avery.to_string()),
                ("kind", "diary"),
                ("template", "dap"),
                ("session_date", &today),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&reply).field("kind").is_some());
}

/// The data key that sealed `bytes`, and its purpose.
async fn key_of(conn: &mut AsyncPgConnection, bytes: &[u8]) -> (i32, String) {
    let id = Sealed::<String>::from_stored(bytes.to_vec())
        .key_id()
        .expect("a header");
    let id = i32::try_from(id).expect("small");
    let purpose: String = data_keys::table
        .find(id)
        .select(data_keys::purpose)
        .first(conn)
        .await
        .expect("the key");
    (id, purpose)
}

async fn body_of(conn: &mut AsyncPgConnection, note: Uuid) -> Vec<u8> {
    clinical_notes::table
        .find(note)
        .select(clinical_notes::body_sealed)
        .first(conn)
        .await
        .expect("note")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_psychotherapy_note_has_its_own_key_which_a_chart_never_opens_and_which_rotates() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    let note = psychotherapy_note(&mut rowan, avery, false, PRIVATE_TEXT).await;

    // Sealed with Avery's psychotherapy key, not the record's.
    let body = body_of(&mut conn, note).await;
    let (key, purpose) = key_of(&mut conn, &body).await;
    assert_eq!(purpose, "psychotherapy");
    let record_key: i32 = data_keys::table
        .filter(data_keys::patient_id.eq(avery))
        .filter(data_keys::purpose.eq("record"))
        .filter(data_keys::retired_at.is_null())
        .select(data_keys::id)
        .first(&mut conn)
        .await
        .expect("the record's key");
    assert_ne!(key, record_key);

    // An access to the chart, in the author's own name, does not open it:
    // the vault refuses before any key is used for it.
    let who = session_of(&mut conn, ROWAN).await;
    let client = ClientInfo::default();
    let grant = access::decide(
        &mut conn,
        &access::Caller::new(who.clone(), client.clone(), "test"),
        avery,
        Reach::Chart,
    )
    .await
    .expect("Rowan reaches the chart");
    let stored = body_of(&mut conn, note).await;
    let vault = &app.state.vault;
    let opened = open_with(&mut conn, vault, grant, (columns::NOTE_BODY, note), stored).await;
    assert!(
        matches!(opened, Err(Unreadable::OutOfReach(..))),
        "{opened:?}"
    );

    // Rotating Avery's keys replaces both and re-seals the note with the
    // new psychotherapy key; its author still reads it.
    let org = who.organization_id;
    let target = Target::Patient {
        organization_id: org,
        patient_id: avery,
    };
    let done = rotate::rotate_dek(&mut conn, vault, target, None)
        .await
        .expect("rotated");
    assert!(done.finished);
    assert_eq!(
        done.retired, 2,
        "the record's key and the psychotherapy key"
    );
    let body = body_of(&mut conn, note).await;
    let (after, purpose) = key_of(&mut conn, &body).await;
    assert_eq!(purpose, "psychotherapy");
    assert_ne!(after, key);
    let reply = rowan.fetch(&format!("/api/note?note_id={note}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let opened: NoteView = serde_json::from_str(&reply.body).expect("note");
    assert_eq!(opened.section("data"), PRIVATE_TEXT);
    let current: Vec<String> = data_keys::table
        .filter(data_keys::patient_id.eq(avery))
        .filter(data_keys::retired_at.is_null())
        .order(data_keys::purpose)
        .select(data_keys::purpose)
        .load(&mut conn)
        .await
        .expect("keys");
    assert_eq!(current, ["psychotherapy", "record"]);
}
