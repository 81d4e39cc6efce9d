//! The audit trail at scale: fills a scratch database with 1,000,000
//! events, then measures what administrators wait for (a filtered page of
//! the access log and the alerts: p50 and p95), what the alert watcher
//! costs (its first look at the trail, and a pass every 5 seconds), and
//! what every audited request pays (an append to the chain: events per
//! second, one writer and eight at once).
//!
//! Run: `cargo bench -p server --features app/ssr --bench audit`
//! (`CAIRN_TEST_DATABASE_URL` names the server; `CAIRN_BENCH_EVENTS`
//! changes the count). The scratch database is dropped afterwards.
//!
//! The filler rows are written by SQL in bulk, so they are not a valid
//! chain (verify is not what this measures); the appends after them are
//! real `audit::record` calls on top of them.

use app::backend::dates::Zone;
use app::{
    backend::{
        audit::{self, Actor, Event, Origin, alerts, review},
        identity::authz::Admin,
    },
    model::{
        Role,
        audit::{AuditAction, AuditOutcome, AuditQuery},
    },
};
use diesel::sql_query;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::{Duration, Instant};
use uuid::Uuid;

const PRACTICE: Uuid = Uuid::from_u128(0xca1_0000_0000_0000_0000_0000_0000_0001);
const THERAPIST: Uuid = Uuid::from_u128(0xca1_0000_0000_0000_0000_0000_0000_0101);

mod scratch;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let events: i64 = std::env::var("CAIRN_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    scratch::with_database(|url| async move { run(&url, events).await }).await;
}

async fn run(url: &str, events: i64) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = scratch::connect(url).await?;
    let started = Instant::now();
    fill(&mut conn, events).await?;
    println!(
        "filled {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let admin = Admin {
        user_id: Uuid::from_u128(0xca1_0000_0000_0000_0000_0000_0000_0100),
        organization_id: PRACTICE,
    };
    let failed = AuditQuery {
        action: "sign_in.failed".to_owned(),
        ..AuditQuery::default()
    };
    let cases: Vec<(&str, AuditQuery)> = vec![
        ("newest, no filter", AuditQuery::default()),
        ("failed sign-ins", failed.clone()),
        (
            "one person's actions",
            AuditQuery {
                actor: THERAPIST.to_string(),
                ..AuditQuery::default()
            },
        ),
        (
            "one week, denied",
            AuditQuery {
                from: day_before(30),
                to: day_before(24),
                outcome: "denied".to_owned(),
                ..AuditQuery::default()
            },
        ),
        (
            "one IP, failed sign-ins",
            AuditQuery {
                ip: "198.51.100.7".to_owned(),
                ..failed.clone()
            },
        ),
    ];
    println!(
        "\naccess log page ({} rows), 200 runs each:",
        review::PAGE_SIZE
    );
    for (label, query) in cases {
        report(label, page_times(&mut conn, admin, query, false).await?);
    }
    report(
        "failed sign-ins, 200th page (keyset)",
        page_times(&mut conn, admin, failed, true).await?,
    );

    println!("\nalerts: the watcher reads the trail once, then the page reads what it kept:");
    let started = Instant::now();
    let (mut passes, mut read, mut raised) = (0, 0, 0);
    loop {
        let pass =
            alerts::watch(&mut conn, alerts::AlertPolicy::DEFAULT, Default::default()).await?;
        passes += 1;
        read += pass.read;
        raised += pass.raised.len();
        if !pass.more {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  first look (the last {} days): {read} events in {passes} passes, {secs:.1} s = {:.0} events/s; {raised} alerts",
        alerts::DAYS,
        read as f64 / secs
    );
    let vault = throwaway_vault()?;
    let mut times = Vec::new();
    let mut listed = None;
    for run in 0..205 {
        let started = Instant::now();
        let list = alerts::list(
            &mut conn,
            &vault,
            admin,
            alerts::AlertPolicy::DEFAULT,
            &Zone::utc(),
        )
        .await?;
        if run >= 5 {
            times.push(started.elapsed());
        }
        listed = Some((list.alerts.len(), list.more_open));
    }
    if let Some((shown, more)) = listed {
        println!("  ({shown} listed, {more} more open)");
    }
    report("alerts listed (200 runs)", times);
    // The page as a whole: what its requests read, one after another.
    let mut times = Vec::new();
    for run in 0..105 {
        let started = Instant::now();
        audit::verify::status(&mut conn, &Zone::utc()).await?;
        alerts::list(
            &mut conn,
            &vault,
            admin,
            alerts::AlertPolicy::DEFAULT,
            &Zone::utc(),
        )
        .await?;
        review::overview(&mut conn, &vault, admin, "7d", &Zone::utc()).await?;
        let filter = review::filter(&mut conn, admin, &AuditQuery::default(), &Zone::utc()).await?;
        review::page(&mut conn, &vault, admin, &filter, &Zone::utc()).await?;
        if run >= 5 {
            times.push(started.elapsed());
        }
    }
    report("access review: status, alerts, week, log (100)", times);
    // What `serve` pays every 5 seconds: a pass with nothing new, and one
    // after 100 new events (one of them an emergency access).
    let mut idle = Vec::new();
    let mut busy = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        alerts::watch(&mut conn, alerts::AlertPolicy::DEFAULT, Default::default()).await?;
        idle.push(started.elapsed());
        let events: Vec<Event> = (0..100).map(event).collect();
        audit::record_all(&mut conn, &events).await?;
        let started = Instant::now();
        alerts::watch(&mut conn, alerts::AlertPolicy::DEFAULT, Default::default()).await?;
        busy.push(started.elapsed());
    }
    report("watcher pass, nothing new (50 runs)", idle);
    report("watcher pass, 100 new events (50 runs)", busy);

    println!("\nappends to the chain (audit::record):");
    for writers in [1_usize, 8] {
        let per_writer = 2_000 / writers;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..writers {
            let url = url.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut conn = scratch::connect(&url).await.expect("connect");
                for n in 0..per_writer {
                    audit::record(&mut conn, event(n)).await.expect("record");
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let total = per_writer * writers;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {writers} writer(s): {total} events in {secs:.2} s = {:.0} events/s",
            total as f64 / secs
        );
    }
    Ok(())
}

fn event(n: usize) -> Event {
    Event::new(
        AuditAction::RecordViewed,
        AuditOutcome::Allowed,
        Actor::Person {
            user_id: THERAPIST,
            organization_id: PRACTICE,
            role: Role::Therapist,
        },
        Origin {
            ip: Some("203.0.113.10".to_owned()),
            ..Origin::default()
        },
    )
    .on("note", n)
    // One of 500 patients, as the filler's views are.
    .about_patient(Uuid::from_u128(0xbe0c_0000 + (n % 500) as u128))
}

fn day_before(days: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days))
        .date()
        .to_string()
}

/// Review notes and patients' names are sealed; a throwaway vault (this
/// trail's practice has neither).
fn throwaway_vault() -> Result<app::backend::vault::Vault, Box<dyn std::error::Error>> {
    Ok(app::backend::vault::Vault::new(
        app::backend::vault::Keks::new(vec![(1, [1; 32])], None)?,
        app::backend::vault::BlindKey::new([2; 32]),
    ))
}

/// Times 200 page loads (after 5 to warm up); `deep` follows the cursor to
/// the 200th page first and times that page.
async fn page_times(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    mut query: AuditQuery,
    deep: bool,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let vault = throwaway_vault()?;
    if deep {
        for _ in 0..199 {
            let filter = review::filter(conn, admin, &query, &Zone::utc()).await?;
            let page = review::page(conn, &vault, admin, &filter, &Zone::utc()).await?;
            query.before = page.next_before.ok_or("fewer than 200 pages")?.to_string();
        }
    }
    let mut times = Vec::new();
    for run in 0..205 {
        let started = Instant::now();
        let filter = review::filter(conn, admin, &query, &Zone::utc()).await?;
        let page = review::page(conn, &vault, admin, &filter, &Zone::utc()).await?;
        if page.rows.is_empty() {
            return Err("a benchmark filter matched nothing".into());
        }
        if run >= 5 {
            times.push(started.elapsed());
        }
    }
    Ok(times)
}

/// p50 and p95 of `times`.
fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {label:<40} p50 {:>6.2} ms   p95 {:>6.2} ms",
        at(0.5).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0
    );
}

/// `events` rows over the last 90 days in two practices (most in ours):
/// 40 people, 500 patients, 60 addresses; 60% record views, 10% failed
/// sign-ins, a few denials.
async fn fill(conn: &mut AsyncPgConnection, events: i64) -> Result<(), diesel::result::Error> {
    sql_query(format!(
        "INSERT INTO organizations (id, name, slug) VALUES \
           ('{PRACTICE}', 'Bench practice (fake)', 'bench'), \
           (gen_random_uuid(), 'Other practice (fake)', 'bench-other')"
    ))
    .execute(conn)
    .await?;
    sql_query(format!(
        "INSERT INTO users (id, organization_id, email, display_name, role, status) \
         SELECT CASE WHEN n = 1 THEN '{THERAPIST}'::uuid ELSE gen_random_uuid() END, \
                '{PRACTICE}', 'person' || n || '@bench.example', 'Bench Person ' || n, \
                CASE WHEN n % 10 = 0 THEN 'admin' ELSE 'therapist' END, 'invited' \
         FROM generate_series(1, 40) AS n"
    ))
    .execute(conn)
    .await?;
    // In batches, so no single statement holds a million rows in memory.
    let batch = 100_000;
    let mut done = 0;
    while done < events {
        let n = batch.min(events - done);
        sql_query(format!(
            "WITH people AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE organization_id = '{PRACTICE}'), \
             rows AS (SELECT g, random() AS r FROM generate_series({start}, {end}) AS g) \
             INSERT INTO audit_events (occurred_at, organization_id, actor_id, actor_role, client_ip, user_agent, \
                 session_hash, request_id, action, resource_type, resource_id, patient_id, subject_user_id, \
                 outcome, reason, details, prev_hash, hash) \
             SELECT now() - interval '90 days' + (g::float8 / {events} * interval '90 days'), \
                    CASE WHEN g % 20 = 0 THEN NULL ELSE '{PRACTICE}'::uuid END, \
                    people.ids[1 + (g * 7) % 40], 'therapist', \
                    '198.51.100.' || (g % 60), 'Mozilla/5.0 (bench)', encode(sha256(int8send(g)), 'hex'), md5((g + 1)::text), \
                    CASE WHEN r < 0.6 THEN 'record.viewed' WHEN r < 0.7 THEN 'sign_in.failed' \
                         WHEN r < 0.72 THEN 'access.denied' ELSE 'sign_in.succeeded' END, \
                    'note', g::text, \
                    md5((g % 500)::text)::uuid, NULL, \
                    CASE WHEN r >= 0.6 AND r < 0.72 THEN 'denied' ELSE 'allowed' END, \
                    NULL, '{{}}'::jsonb, \
                    sha256(int8send(g - 1)), sha256(int8send(g)) \
             FROM rows, people",
            start = done + 1,
            end = done + n,
        ))
        .execute(conn)
        .await?;
        done += n;
    }
    sql_query("ANALYZE audit_events").execute(conn).await?;
    Ok(())
}
