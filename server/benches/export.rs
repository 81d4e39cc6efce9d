//! `cairn export` for a whole practice: how long copying every patient
//! (a FHIR bundle and a readable record each, then the bulk files) takes,
//! and how long a run that finds everything written (a resumed one) takes.
//!
//! Run: `cargo bench -p server --features app/ssr --bench export`
//! (`CAIRN_TEST_DATABASE_URL` names the server; `CAIRN_BENCH_PATIENTS`,
//! default 1,000, and `CAIRN_BENCH_NOTES`, signed notes each, default 20).
//! The scratch database and the output are removed afterwards.

mod scratch;

use app::{
    backend::{
        client::ClientInfo,
        organizations,
        records::{
            access,
            notes::{self, Draft, NoteBody},
            patients::{self, NewPatient},
        },
        vault::{BlindKey, Keks, Vault},
    },
    error::AppError,
    model::{
        audit::AuditAction,
        chart::{NoteKind, NoteTemplate},
    },
};
use std::time::Instant;
use time::macros::date;
use uuid::Uuid;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let number = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    let patients = number("CAIRN_BENCH_PATIENTS", 1_000);
    let notes = number("CAIRN_BENCH_NOTES", 20);
    scratch::with_database(|url| async move { run(&url, patients, notes).await }).await;
}

async fn run(url: &str, count: usize, notes_each: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = scratch::connect(url).await?;
    let org = organizations::find_or_create(&mut conn, "Bench Practice", "bench").await?;
    let keks = Keks::new(vec![(1, [1; 32])], None)?;
    let vault = Vault::new(keks, BlindKey::new([9; 32]));
    let therapist = scratch::therapist(&mut conn, org).await?;
    let caller = access::Caller::new(therapist.clone(), ClientInfo::default(), "bench");

    println!("writing {count} patients with {notes_each} signed DAP notes each…");
    let started = Instant::now();
    for n in 0..count {
        let new = NewPatient {
            legal_name: format!("Bench Patient {n}"),
            date_of_birth: date!(1980 - 01 - 01),
            email: Some(format!("patient{n}@bench.example")),
            phone: None,
            user_id: None,
        };
        let patient = patients::create(&mut conn, &vault, org, &new).await?;
        scratch::on_care_team(&mut conn, &therapist, patient).await?;
        let grant = access::decide(&mut conn, &caller, patient, access::Reach::Chart).await?;
        let author = therapist.user_id;
        access::within(&mut conn, &vault, grant, AuditAction::RecordSigned, move |conn, vault, access| {
            Box::pin(async move {
                for session in 0..notes_each {
                    let draft = Draft {
                        template: NoteTemplate::Dap,
                        session_date: date!(2026 - 01 - 05),
                        body: NoteBody(vec![
                            ("data".to_owned(), format!("Session {session}: slept better most nights; one hard evening after a family call. Practised the breathing exercise daily.")),
                            ("assessment".to_owned(), "Mood steadier; anxiety lower than at intake (GAD-7 down four points).".to_owned()),
                            ("plan".to_owned(), "Continue weekly CBT; add a sleep diary; review the safety plan next session.".to_owned()),
                        ]),
                        kind: NoteKind::Progress,
                        shared: false,
                    };
                    let note = notes::create(conn, vault, access, Uuid::new_v4(), author, &draft).await?;
                    notes::sign(conn, vault, access, &note, note.version)
                        .await
                        .map_err(|_| AppError::Internal)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    }
    println!("  written in {:.1} s", started.elapsed().as_secs_f64());

    let out = std::env::temp_dir().join(format!("cairn-export-bench-{}", Uuid::new_v4().simple()));
    let started = Instant::now();
    let done = server::export::practice(&mut conn, &vault, org, &out).await?;
    let took = started.elapsed().as_secs_f64();
    let bytes = size_of(&out);
    println!(
        "cairn export, {} patients × {notes_each} notes: {took:.1} s ({:.1} ms a patient), {} resources, {:.1} MB on disk",
        done.patients,
        took * 1000.0 / done.patients.max(1) as f64,
        done.resources.values().sum::<usize>(),
        bytes as f64 / 1e6
    );
    let started = Instant::now();
    let again = server::export::practice(&mut conn, &vault, org, &out).await?;
    println!(
        "the same run again, everything already written (a resumed run's floor): {:.1} s, {} copied",
        started.elapsed().as_secs_f64(),
        again.copied
    );
    std::fs::remove_dir_all(&out)?;
    Ok(())
}

fn size_of(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => size_of(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
