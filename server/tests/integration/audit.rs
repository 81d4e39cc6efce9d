//! The audit trail against real PostgreSQL: append-only for everyone (and
//! for the application's role, by privilege), tamper-evident (verify finds
//! the exact event), unforked lanes under concurrent writers, and written
//! in the action's transaction.

use crate::support::db::{TestDb, prepared_with};
use app::{
    backend::audit::{
        self, Actor, Event, Origin,
        checkpoint::CheckpointKey,
        verify::{Problem, verify},
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::sql_query;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

fn event(n: u32) -> Event {
    Event::new(
        AuditAction::RecordViewed,
        AuditOutcome::Allowed,
        Actor::Person {
            user_id: Uuid::from_u128(1),
            organization_id: Uuid::from_u128(2),
            role: Role::Therapist,
        },
        Origin {
            ip: Some("127.0.0.1".to_owned()),
            ..Origin::default()
        },
    )
    .on("patient", n)
    .about_patient(Uuid::from_u128(3))
    .details(audit::Details::new().with("n", n))
}

async fn record_n(conn: &mut AsyncPgConnection, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(audit::record(conn, event(i)).await.expect("record"));
    }
    ids
}

/// Runs `sql` as the tables' owner with the append-only triggers off:
/// what an attacker with full database access would do (the application's
/// role can do neither).
async fn tamper(db: &TestDb, sql: &str) {
    let conn = &mut db.owner_conn().await;
    sql_query("ALTER TABLE audit_events DISABLE TRIGGER USER")
        .execute(conn)
        .await
        .expect("database");
    sql_query(sql).execute(conn).await.expect("database");
    sql_query("ALTER TABLE audit_events ENABLE TRIGGER USER")
        .execute(conn)
        .await
        .expect("database");
}

/// Deletes event `id` behind the triggers' back (see [`tamper`]).
async fn delete_event(db: &TestDb, id: i64) {
    tamper(db, &format!("DELETE FROM audit_events WHERE id = {id}")).await;
}

#[tokio::test]
async fn nobody_can_change_or_remove_an_event() {
    let db = TestDb::new().await;
    // Even the owner: the triggers refuse.
    let mut conn = db.owner_conn().await;
    record_n(&mut conn, 2).await;
    for sql in [
        "UPDATE audit_events SET reason = 'edited'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let error = sql_query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    // The application's role may not even try.
    let mut conn = db.conn().await;
    for sql in [
        "UPDATE audit_events SET reason = 'edited'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_verifications SET head_id = 0",
        "DELETE FROM audit_verifications",
    ] {
        let error = sql_query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(
            error.to_string().contains("permission denied"),
            "{sql}: {error}"
        );
    }
    // ...but it may append and read.
    audit::record(&mut conn, event(9))
        .await
        .expect("cairn_app appends");
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!((report.events, report.problem), (3, None));
}

#[tokio::test]
async fn verify_names_the_altered_event() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let ids = record_n(&mut conn, 5).await;
    assert!(verify(&mut conn, &[]).await.expect("database").ok());
    tamper(
        &db,
        &format!(
            "UPDATE audit_events SET client_ip = '10.0.0.9' WHERE id = {}",
            ids[2]
        ),
    )
    .await;
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!(report.problem, Some(Problem::Altered { id: ids[2] }));
}

#[tokio::test]
async fn verify_names_the_gap_left_by_a_deleted_event() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let ids = record_n(&mut conn, 5).await;
    delete_event(&db, ids[2]).await;
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!(
        report.problem,
        Some(Problem::Broken {
            id: ids[3],
            after: Some(ids[1])
        })
    );
    assert!(
        report
            .problem
            .expect("database")
            .to_string()
            .contains(&format!("event {}", ids[1]))
    );
}

#[tokio::test]
async fn a_checkpoint_catches_a_trail_rewritten_from_the_start() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    record_n(&mut conn, 3).await;
    let key = CheckpointKey::from_seed(&[5; 32]);
    let head = verify(&mut conn, &[])
        .await
        .expect("database")
        .head
        .expect("database");
    let checkpoint = key.sign(head.0, head.1, 1_795_000_000);
    assert!(
        verify(&mut conn, std::slice::from_ref(&checkpoint))
            .await
            .expect("database")
            .ok()
    );

    // Rewritten wholesale (consistent chain, new hashes): the signed head is gone.
    tamper(&db, "DELETE FROM audit_events").await;
    record_n(&mut conn, 3).await;
    assert!(
        verify(&mut conn, &[]).await.expect("database").ok(),
        "internally consistent"
    );
    let report = verify(&mut conn, &[checkpoint]).await.expect("database");
    assert_eq!(
        report.problem,
        Some(Problem::CheckpointMissing { id: head.0 })
    );
}

#[tokio::test]
async fn concurrent_writers_leave_every_lane_whole() {
    let db = TestDb::new().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = crate::support::db::connect(&url).await.expect("database");
            record_n(&mut conn, 25).await;
        }));
    }
    for task in tasks {
        task.await.expect("database");
    }
    let mut conn = db.conn().await;
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!((report.events, report.problem), (200, None));
}

#[tokio::test]
async fn appends_reuse_one_prepared_statement_each_for_the_lane_and_its_head() {
    // Every page that opens a record appends; a statement prepared anew
    // each time is an extra round trip and a parse per page. Kept
    // prepared, each stays on the connection; prepared per call, each is
    // closed again and none stays.
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    record_n(&mut conn, 3).await;
    conn.transaction::<_, AppError, _>(async |conn| {
        audit::record(conn, event(3)).await?;
        audit::record_all(conn, &[event(4), event(5)]).await
    })
    .await
    .expect("record");
    assert_eq!(
        prepared_with(&mut conn, "pg_try_advisory_xact_lock").await,
        1
    );
    assert_eq!(
        prepared_with(&mut conn, "FROM audit_events WHERE lane").await,
        1
    );
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!((report.events, report.problem), (6, None));
}

/// The lane each event went to, in the order of `ids`.
async fn lanes_of(conn: &mut AsyncPgConnection, ids: &[i64]) -> Vec<i16> {
    use app::backend::db::schema::audit_events;
    use diesel::QueryDsl;
    let mut lanes = Vec::new();
    for &id in ids {
        lanes.push(
            audit_events::table
                .find(id)
                .select(audit_events::lane)
                .first::<i16>(conn)
                .await
                .expect("database"),
        );
    }
    lanes
}

#[tokio::test]
async fn a_writer_finding_a_lane_busy_appends_in_the_next_and_verify_walks_each() {
    let db = TestDb::new().await;
    let mut holder = db.conn().await;
    let mut other = db.conn().await;
    let quiet = record_n(&mut holder, 2).await;
    // The holder's event keeps lane 0 locked until its transaction commits;
    // meanwhile the other connection's writes go to lane 1, without waiting.
    let (held, busy) = holder
        .transaction::<_, AppError, _>(async |conn| {
            let held = audit::record(conn, event(10)).await?;
            Ok((held, record_n(&mut other, 3).await))
        })
        .await
        .expect("database");
    let mut conn = db.conn().await;
    assert_eq!(
        lanes_of(&mut conn, &quiet).await,
        [0, 0],
        "a quiet trail is one lane"
    );
    assert_eq!(lanes_of(&mut conn, &[held]).await, [0]);
    assert_eq!(lanes_of(&mut conn, &busy).await, [1, 1, 1]);

    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!((report.events, report.ok()), (6, true));
    let heads: Vec<i64> = report.heads.iter().map(|(id, _)| *id).collect();
    assert_eq!(heads, [held, busy[2]], "a head for each lane");
    let key = CheckpointKey::from_seed(&[6; 32]);
    let signed: Vec<_> = report
        .heads
        .iter()
        .map(|&(id, hash)| key.sign(id, hash, 1_795_000_000))
        .collect();
    assert!(verify(&mut conn, &signed).await.expect("database").ok());

    // A gap in lane 1 is named against lane 1's event before it.
    delete_event(&db, busy[1]).await;
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!(
        report.problem,
        Some(Problem::Broken {
            id: busy[2],
            after: Some(busy[0])
        })
    );
    // Moving an event to another lane breaks the chain too.
    delete_event(&db, busy[2]).await;
    assert!(
        verify(&mut conn, &[]).await.expect("database").ok(),
        "a consistent prefix"
    );
    tamper(
        &db,
        &format!("UPDATE audit_events SET lane = 1 WHERE id = {}", quiet[1]),
    )
    .await;
    assert_eq!(
        verify(&mut conn, &[]).await.expect("database").problem,
        Some(Problem::Broken {
            id: quiet[1],
            after: None
        })
    );
}

/// With every lane held by a writer that has not committed, the next
/// writer waits for a lane (it neither fails nor forks one), and the trail
/// stays whole.
#[tokio::test]
async fn with_every_lane_busy_a_writer_waits_its_turn() {
    let db = TestDb::new().await;
    let lanes = usize::try_from(audit::LANES).expect("a few lanes");
    let (release, _) = tokio::sync::broadcast::channel::<()>(1);
    let (held_tx, mut held_rx) = tokio::sync::mpsc::channel::<()>(lanes);
    let mut holders = Vec::new();
    for n in 0..lanes {
        let url = db.url.clone();
        let mut release = release.subscribe();
        let held = held_tx.clone();
        let n = u32::try_from(n).expect("a few lanes");
        holders.push(tokio::spawn(async move {
            let mut conn = crate::support::db::connect(&url).await.expect("database");
            conn.transaction::<_, AppError, _>(async |conn| {
                audit::record(conn, event(n)).await?;
                held.send(()).await.expect("the test listens");
                release.recv().await.expect("the test releases");
                Ok(())
            })
            .await
            .expect("database");
        }));
    }
    for _ in 0..lanes {
        held_rx.recv().await.expect("a holder");
    }
    let url = db.url.clone();
    let waiter = tokio::spawn(async move {
        let mut conn = crate::support::db::connect(&url).await.expect("database");
        record_n(&mut conn, 1).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "every lane was taken: it waits");
    release.send(()).expect("the holders listen");
    for holder in holders {
        holder.await.expect("a holder");
    }
    waiter.await.expect("the waiter");
    let mut conn = db.conn().await;
    let report = verify(&mut conn, &[]).await.expect("database");
    assert_eq!(
        (report.events, report.problem, report.heads.len()),
        (i64::from(audit::LANES) + 1, None, lanes)
    );
}

#[tokio::test]
async fn an_event_rolls_back_with_its_action_and_a_failed_audit_write_fails_the_action() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let outcome: Result<(), AppError> = conn
        .transaction(async |conn| {
            audit::record(conn, event(1)).await?;
            Err(AppError::NotFound)
        })
        .await;
    assert_eq!(outcome, Err(AppError::NotFound));
    assert_eq!(verify(&mut conn, &[]).await.expect("database").events, 0);

    // An audit write that fails takes the action down with it. (Changing
    // the schema to make it fail is the owner's to do.)
    let mut conn = db.owner_conn().await;
    sql_query("CREATE TABLE action_rows (n int)")
        .execute(&mut conn)
        .await
        .expect("database");
    sql_query("ALTER TABLE audit_events ADD CONSTRAINT no_more CHECK (id < 0) NOT VALID")
        .execute(&mut conn)
        .await
        .expect("database");
    let outcome: Result<(), AppError> = conn
        .transaction(async |conn| {
            sql_query("INSERT INTO action_rows VALUES (1)")
                .execute(conn)
                .await?;
            audit::record(conn, event(2)).await?;
            Ok(())
        })
        .await;
    assert!(outcome.is_err());
    let rows: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM action_rows)",
    ))
    .get_result(&mut conn)
    .await
    .expect("database");
    assert_eq!(rows, 0, "the action rolled back");
}
