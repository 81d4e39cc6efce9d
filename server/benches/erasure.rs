//! Erasing records whose retention has ended: how many patients a second
//! `cairn retention erase --due` erases (each in its own transaction: the
//! name and date of birth opened and recorded, both keys destroyed, every
//! row removed, a tombstone left), and how long the report that precedes
//! it takes.
//!
//! Run: `cargo bench -p server --features app/ssr --bench erasure`
//! (`CAIRN_TEST_DATABASE_URL` names the server; `CAIRN_BENCH_PATIENTS`,
//! default 10,000, each with two signed notes). The scratch database is
//! removed afterwards.

mod scratch;

use app::backend::{
    organizations,
    records::retention::operator,
    vault::{BlindKey, Keks, Vault},
};
use diesel_async::RunQueryDsl;
use std::time::Instant;
use time::macros::date;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let patients = std::env::var("CAIRN_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    scratch::with_database(|url| async move { run(&url, patients).await }).await;
}

async fn run(url: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = scratch::connect(url).await?;
    let org = organizations::find_or_create(&mut conn, "Bench Practice", "bench").await?;
    let keks = Keks::new(vec![(1, [1; 32])], None)?;
    let vault = Vault::new(keks, BlindKey::new([9; 32]));
    let therapist = scratch::therapist(&mut conn, org).await?;

    println!("writing {count} patients with two signed notes each…");
    let started = Instant::now();
    let caseload = scratch::Caseload {
        patients: count,
        notes_each: 2,
        session_date: date!(2015 - 01 - 05),
        data: "discharged after the agreed course.",
    };
    scratch::patients_with_notes(&mut conn, &vault, org, &therapist, &caseload).await?;
    println!("  written in {:.1} s", started.elapsed().as_secs_f64());
    // Ten years ago, all of it (as the owner, with triggers off: a signed
    // note's dates cannot otherwise change).
    diesel::sql_query(
        "DO $$ BEGIN SET LOCAL session_replication_role = replica; \
         UPDATE patients SET created_at = created_at - interval '10 years'; \
         UPDATE clinical_notes SET created_at = created_at - interval '10 years', \
             signed_at = signed_at - interval '10 years'; \
         END $$",
    )
    .execute(&mut conn)
    .await?;

    let started = Instant::now();
    let report = operator::report(&mut conn, &vault, org).await?;
    println!(
        "cairn retention report: {} records due in {:.1} s",
        report.due.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let done = operator::erase_due(&mut conn, &vault, org).await?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "cairn retention erase --due: {} patients erased in {took:.1} s ({:.0} patients a second, report included), {} skipped",
        done.erased,
        done.erased as f64 / took,
        done.skipped
    );
    Ok(())
}
