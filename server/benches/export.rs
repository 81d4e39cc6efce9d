//! `cairn export` for a whole practice: how long copying every patient
//! (a FHIR bundle and a readable record each, then the bulk files) takes,
//! and how long a run that finds everything written (a resumed one) takes.
//!
//! Run: `cargo bench -p server --features app/ssr --bench export`
//! (`CAIRN_TEST_DATABASE_URL` names the server; `CAIRN_BENCH_PATIENTS`,
//! default 1,000, and `CAIRN_BENCH_NOTES`, signed notes each, default 20).
//! The scratch database and the output are removed afterwards.

mod scratch;

use app::backend::{
    organizations,
    vault::{BlindKey, Keks, Vault},
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

    println!("writing {count} patients with {notes_each} signed DAP notes each…");
    let started = Instant::now();
    let caseload = scratch::Caseload {
        patients: count,
        notes_each,
        session_date: date!(2026 - 01 - 05),
        data: "slept better most nights; one hard evening after a family call. Practised the breathing exercise daily.",
    };
    scratch::patients_with_notes(&mut conn, &vault, org, &therapist, &caseload).await?;
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
