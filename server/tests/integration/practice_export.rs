//! `cairn export`, the binary itself, on the demo practice: every patient
//! written (a bundle and a readable record each, the bulk files, the
//! manifest), valid against the published R4 schema, no psychotherapy
//! note anywhere, a statement of disagreement travelling with its item,
//! each copy recorded as the operator's; a run stopped midway carries on;
//! a directory that is not the practice's export is refused.

use crate::charts::{AVERY, ROWAN, record_of};
use crate::cli::{run, stderr};
use crate::exports::{ADDENDUM_TEXT, PROGRESS_TEXT, assert_valid_fhir_files, full_record};
use crate::support::TestApp;
use app::backend::db::schema::{audit_events, patients};
use app::model::audit::AuditAction;
use base64::Engine;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Output,
};
use uuid::Uuid;

const DISAGREEMENT: &str = "canary-free statement: my address was never on Elm Street.";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

async fn exports_recorded(
    conn: &mut AsyncPgConnection,
) -> Vec<(Option<Uuid>, Option<Uuid>, Option<String>)> {
    audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordExported))
        .filter(audit_events::actor_id.is_null())
        .select((
            audit_events::patient_id,
            audit_events::actor_id,
            audit_events::reason,
        ))
        .load(conn)
        .await
        .expect("events")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_practice_moves_out_whole_valid_and_resumable() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let mut rowan = app.signed_in(ROWAN).await;
    full_record(&mut rowan, avery).await;
    let mut patient = app.signed_in(AVERY).await;
    crate::amendments::the_whole_exchange(
        &mut patient,
        &mut rowan,
        avery,
        [
            "My address is wrong: it is Elm Street.",
            "We are checking the intake forms.",
            "The intake form says Example Lane.",
            DISAGREEMENT,
        ],
    )
    .await;
    let everyone: i64 = patients::table
        .filter(patients::deleted_at.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    let everyone = usize::try_from(everyone).expect("count");

    let out = std::env::temp_dir().join(format!("cairn-export-{}", Uuid::new_v4().simple()));
    let path = out.to_string_lossy().into_owned();
    let env = [("DATABASE_URL", app.db.url.as_str())];
    let first = run(&env, &["export", "--out", &path]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains(&format!("Exported {everyone} patients")),
        "{}",
        stdout(&first)
    );

    // What is there: a bundle and a readable record for each patient, the
    // bulk files the manifest lists, and nothing anyone but the operator
    // may read.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    assert_eq!(manifest["extension"]["patients"], everyone);
    assert_eq!(
        manifest["output"]
            .as_array()
            .expect("output")
            .iter()
            .find(|o| o["type"] == "Patient")
            .expect("patients listed")["count"],
        everyone
    );
    let files = files_under(&out);
    let named = |suffix: &str| {
        files
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(suffix))
            .count()
    };
    assert_eq!(named("/bundle.json"), everyone);
    assert_eq!(named("/record.html"), everyone);
    for file in &files {
        let mode = std::fs::metadata(file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);

    // Valid FHIR R4, every resource of the practice and every bundle.
    let fhir: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "ndjson" || e == "json"))
        .filter(|f| !f.ends_with("manifest.json"))
        .cloned()
        .collect();
    assert!(
        fhir.iter()
            .any(|f| f.ends_with("fhir/DocumentReference.ndjson"))
    );
    assert_valid_fhir_files(&fhir);

    // No psychotherapy note in any file; the record's notes, addenda and
    // the statement of disagreement in both forms of it.
    for file in &files {
        let text = std::fs::read_to_string(file).expect("text");
        assert!(!text.contains("canary-export"), "{}", file.display());
    }
    let mine = out.join("patients").join(avery.to_string());
    let readable = std::fs::read_to_string(mine.join("record.html")).expect("record");
    assert!(readable.starts_with("<!DOCTYPE html>"));
    assert!(readable.contains("Health record of Avery Quinn"));
    for text in [
        PROGRESS_TEXT,
        ADDENDUM_TEXT,
        DISAGREEMENT,
        app::backend::seed::DEMO_PRACTICE_NAME,
    ] {
        assert!(readable.contains(text), "{text}");
    }
    // Documents hold their text as base64: read, the notes are there and
    // no psychotherapy note is; the statement of disagreement is related
    // to the item it is about (the details: the Patient).
    let documents =
        std::fs::read_to_string(out.join("fhir/DocumentReference.ndjson")).expect("ndjson");
    let texts: Vec<(String, serde_json::Value)> = documents
        .lines()
        .map(|line| {
            let document: serde_json::Value =
                serde_json::from_str(line).expect("a resource a line");
            let data = document["content"][0]["attachment"]["data"]
                .as_str()
                .expect("text");
            let text = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("base64");
            (
                String::from_utf8(text).expect("UTF-8"),
                document["context"]["related"].clone(),
            )
        })
        .collect();
    assert!(texts.iter().any(|(text, _)| text.contains(PROGRESS_TEXT)));
    assert!(
        texts
            .iter()
            .all(|(text, _)| !text.contains("canary-export"))
    );
    let (_, related) = texts
        .iter()
        .find(|(text, _)| text.contains(DISAGREEMENT))
        .expect("the statement travels");
    assert_eq!(related[0]["reference"], format!("Patient/{avery}"));
    // A bulk file's resource names another by type and id.
    let conditions = std::fs::read_to_string(out.join("fhir/Condition.ndjson")).expect("ndjson");
    assert!(
        conditions.contains(&format!("\"reference\":\"Patient/{avery}\"")),
        "{conditions}"
    );

    // Each copy recorded once, by the operator's command, about its patient.
    let recorded = exports_recorded(&mut conn).await;
    assert_eq!(recorded.len(), everyone);
    assert!(
        recorded
            .iter()
            .any(|(patient, _, _)| *patient == Some(avery))
    );
    assert!(
        recorded
            .iter()
            .all(|(_, _, reason)| reason.as_deref() == Some("operator command"))
    );

    // A run stopped while writing Avery (their directory half made, the
    // bulk files and manifest not yet) carries on: Avery alone is copied.
    std::fs::remove_dir_all(&mine).expect("removed");
    std::fs::remove_file(out.join("manifest.json")).expect("removed");
    let half = out.join("patients").join(format!(".{avery}.partial"));
    std::fs::create_dir_all(&half).expect("half");
    std::fs::write(half.join("bundle.json"), b"{\"resourceType\":").expect("half");
    let again = run(&env, &["export", "--out", &path]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("(1 copied now"),
        "{}",
        stdout(&again)
    );
    assert!(!half.exists());
    assert!(mine.join("record.html").is_file());
    assert!(out.join("manifest.json").is_file());
    assert_eq!(exports_recorded(&mut conn).await.len(), everyone + 1);
    assert_valid_fhir_files(&[mine.join("bundle.json")]);

    // Not into a directory holding other things, nor one of another
    // practice's exports; not for a practice that is not there.
    let elsewhere = std::env::temp_dir().join(format!("cairn-other-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&elsewhere).expect("dir");
    std::fs::write(elsewhere.join("notes.txt"), b"mine").expect("file");
    let refused = run(&env, &["export", "--out", &elsewhere.to_string_lossy()]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    std::fs::remove_file(elsewhere.join("notes.txt")).expect("removed");
    std::fs::write(elsewhere.join("cairn-export"), Uuid::new_v4().to_string()).expect("claim");
    let refused = run(&env, &["export", "--out", &elsewhere.to_string_lossy()]);
    assert!(
        stderr(&refused).contains("another practice"),
        "{}",
        stderr(&refused)
    );
    let refused = run(
        &env,
        &["export", "--practice", "no-such-practice", "--out", &path],
    );
    assert!(
        stderr(&refused).contains("no practice"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(exports_recorded(&mut conn).await.len(), everyone + 1);

    // An empty directory made before is taken, and made the operator's.
    std::fs::remove_file(elsewhere.join("cairn-export")).expect("removed");
    let taken = run(&env, &["export", "--out", &elsewhere.to_string_lossy()]);
    assert!(taken.status.success(), "{}", stderr(&taken));
    let mode = std::fs::metadata(&elsewhere)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&elsewhere);
}
