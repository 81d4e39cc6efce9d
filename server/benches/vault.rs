//! The vault's costs on this machine: sealing and opening one field,
//! opening a field whose data key is cached against one that must be read
//! and unwrapped from the database, and the rotations' throughput.
//!
//! Run: `cargo bench -p server --features app/ssr --bench vault`
//! (`CAIRN_TEST_DATABASE_URL` names the server; `CAIRN_BENCH_PATIENTS`
//! changes how many patients the rotations work through, default 2,000,
//! four sealed values each). The scratch database is dropped afterwards.

mod scratch;

use app::{
    backend::{
        client::ClientInfo,
        organizations,
        records::access,
        records::patients::{self, NewPatient},
        vault::{
            BlindKey, FieldKey, Keks, Sealed, Vault, columns,
            rotate::{self, Target},
        },
    },
    error::AppError,
    model::audit::AuditAction,
};
use std::time::{Duration, Instant};
use time::macros::date;
use uuid::Uuid;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("CAIRN_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    field_crypto();
    scratch::with_database(|url| async move { run(&url, count).await }).await;
}

fn keks(versions: &[u8]) -> Keks {
    Keks::new(
        versions.iter().map(|v| (u32::from(*v), [*v; 32])).collect(),
        None,
    )
    .expect("keys")
}

fn per_op(label: &str, runs: u32, took: Duration) {
    let each = took / runs;
    println!(
        "  {label:<44} {:>9.2} µs  ({:.0}/s)",
        each.as_secs_f64() * 1e6,
        f64::from(runs) / took.as_secs_f64()
    );
}

/// AES-256-GCM on one typical field (a name), no database.
fn field_crypto() {
    println!("one field (a 24-byte name), 200,000 runs each:");
    let key = FieldKey::new(1, [7; 32]);
    let at = columns::PATIENT_LEGAL_NAME.at(Uuid::from_u128(1));
    let value = b"Alexandra Whitfield-Ngo ";
    let runs = 200_000;
    let started = Instant::now();
    let mut sealed = Vec::new();
    for _ in 0..runs {
        sealed = key.seal(at, value);
    }
    per_op("seal", runs, started.elapsed());
    let started = Instant::now();
    for _ in 0..runs {
        let opened = key.open(at, &sealed).expect("opens");
        assert_eq!(opened.len(), value.len());
    }
    per_op("open", runs, started.elapsed());
}

async fn run(url: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = scratch::connect(url).await?;
    let org = organizations::find_or_create(&mut conn, "Bench Practice", "bench").await?;
    let blind = BlindKey::new([9; 32]);
    let vault = Vault::new(keks(&[1]), blind.clone());
    let started = Instant::now();
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let new = NewPatient {
            legal_name: format!("Bench Patient {n}"),
            date_of_birth: date!(1980 - 01 - 01),
            email: Some(format!("patient{n}@bench.example")),
            phone: Some(format!("555 01{n:05}")),
            user_id: None,
        };
        ids.push(patients::create(&mut conn, &vault, org, &new).await?);
    }
    let took = started.elapsed();
    println!(
        "\ncreated {count} patients (a data key each, 4 sealed values, 4 blind indexes) in {:.1} s: {:.0} patients/s",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64()
    );

    // One recorded access, then many opens of the same field.
    let therapist = scratch::therapist(&mut conn, org).await?;
    let client = ClientInfo::default();
    let patient = ids[0];
    // The therapist is on the patient's care team.
    scratch::on_care_team(&mut conn, &therapist, patient).await?;
    let grant = access::decide(
        &mut conn,
        &access::Caller::new(therapist.clone(), client.clone(), "bench"),
        patient,
        access::Reach::Chart,
    )
    .await?;
    let stored: Vec<u8> = {
        use app::backend::db::schema::patients as t;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        t::table
            .find(patient)
            .select(t::legal_name_sealed)
            .first(&mut conn)
            .await?
    };
    let vaults = [
        ("data key cached", Vault::new(keks(&[1]), blind.clone())),
        (
            "no cache: read + unwrap the data key each time",
            Vault::with_cache(keks(&[1]), blind.clone(), 0, Duration::ZERO),
        ),
    ];
    let action = AuditAction::RecordViewed;
    let vault = Vault::new(keks(&[1]), blind.clone());
    println!("\nopening a sealed field through the vault (Sealed::open), 2,000 runs each:");
    access::within(&mut conn, &vault, grant, action, |conn, _, access| {
        Box::pin(async move {
            let sealed = Sealed::<String>::from_stored(stored);
            let name = columns::PATIENT_LEGAL_NAME;
            for (label, vault) in vaults {
                let opened = sealed.open(&vault, conn, access, name, patient).await;
                opened.map_err(|_| AppError::Internal)?;
                let runs = 2_000;
                let started = Instant::now();
                for _ in 0..runs {
                    let opened = sealed.open(&vault, conn, access, name, patient).await;
                    opened.map_err(|_| AppError::Internal)?;
                }
                per_op(label, runs, started.elapsed());
            }
            Ok::<_, AppError>(())
        })
    })
    .await?;

    println!(
        "\nrotations ({count} data keys, {} sealed values):",
        count * 4
    );
    let both = Vault::new(keks(&[1, 2]), blind.clone());
    let started = Instant::now();
    let done = rotate::rotate_kek(&mut conn, &both).await?;
    let took = started.elapsed();
    println!(
        "  rotate-kek: {} keys re-wrapped in {:.2} s: {:.0} keys/s",
        done.rewrapped,
        took.as_secs_f64(),
        done.rewrapped as f64 / took.as_secs_f64()
    );
    let started = Instant::now();
    let done = rotate::rotate_dek(&mut conn, &both, Target::Practice(org), None).await?;
    let took = started.elapsed();
    println!(
        "  rotate-dek: {} keys replaced, {} values re-sealed in {:.2} s: {:.0} values/s",
        done.retired,
        done.resealed,
        took.as_secs_f64(),
        done.resealed as f64 / took.as_secs_f64()
    );
    Ok(())
}
