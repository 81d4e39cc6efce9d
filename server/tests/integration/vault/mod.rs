//! The PHI vault against real PostgreSQL: sealed at rest, opened only with
//! a recorded access for that very patient, KEK rotation, a DEK rotation
//! cut short and finished, crypto-shredding, blind-index search.

use crate::support::{
    TestApp,
    app::config_with,
    records::{join_care_team, open_with, signed_in},
};
use app::{
    backend::{
        client::ClientInfo,
        db::schema::{audit_events, data_key_destructions, data_keys, patients},
        records::access::ReadError,
        records::access::{self, Grant, Reach},
        records::patients::{self as patient_records, NewPatient, SearchBy},
        vault::{
            Sealed, Unreadable, Vault, columns,
            dek::KeyError,
            rotate::{self, Target},
        },
    },
    error::AppError,
    model::audit::{AuditAction, AuditOutcome},
};
use base64::{Engine, engine::general_purpose};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use time::macros::date;
use uuid::Uuid;

mod rotation;

fn key(byte: u8) -> String {
    general_purpose::STANDARD.encode([byte; 32])
}

/// A vault with KEK versions `versions` (key bytes `[v; 32]`), the given
/// current one, and a fresh cache: what another instance would have.
fn vault(app: &TestApp, versions: &[u8], current: u8) -> Vault {
    let list: Vec<String> = versions
        .iter()
        .map(|v| format!("{v}:{}", key(*v)))
        .collect();
    let list = list.join(",");
    let current = current.to_string();
    config_with(
        &app.db,
        &[("CAIRN_KEKS", &list), ("CAIRN_KEK_CURRENT", &current)],
    )
    .vault
}

async fn app() -> TestApp {
    // The development blind-index key, like every test's: accounts are
    // found by it (`support::records::email_is`).
    TestApp::with_demo_and(&[("CAIRN_KEKS", &format!("1:{}", key(1)))]).await
}

/// The demo patient account `email`'s record, with distinctive details.
fn details(name: &str, user_id: Option<Uuid>) -> NewPatient {
    NewPatient {
        legal_name: name.to_owned(),
        date_of_birth: date!(1991 - 04 - 17),
        email: Some(format!(
            "{}@canary.example",
            name.to_lowercase().replace(' ', ".")
        )),
        phone: Some("+1 (555) 010-0199".to_owned()),
        user_id,
    }
}

/// A recorded access to `patient`, for reading in tests (a therapist of
/// the practice asks).
async fn therapist_grant(conn: &mut AsyncPgConnection, patient: Uuid) -> Grant {
    let therapist = signed_in(conn, "rowan.ellis@juniper-creek.example").await;
    let client = ClientInfo::default();
    let (org, me) = (therapist.organization_id, therapist.user_id);
    join_care_team(conn, org, patient, me, me).await;
    access::decide(
        conn,
        &access::Caller::new(therapist.clone(), client.clone(), "test"),
        patient,
        Reach::Chart,
    )
    .await
    .expect("a therapist on the care team may")
}

async fn read_name(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    patient: Uuid,
) -> Result<String, ReadError> {
    let grant = therapist_grant(conn, patient).await;
    let action = AuditAction::RecordViewed;
    access::within(conn, vault, grant, action, |conn, vault, access| {
        Box::pin(async move {
            let opened = patient_records::demographics(conn, vault, access).await?;
            Ok(opened.legal_name.expose().clone())
        })
    })
    .await
}

async fn practice(conn: &mut AsyncPgConnection) -> Uuid {
    signed_in(conn, "admin@juniper-creek.example")
        .await
        .organization_id
}

#[tokio::test]
async fn a_patient_reads_their_own_details_and_the_read_is_recorded_with_the_read() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let vault = &app.state.vault;
    let avery = signed_in(&mut conn, "avery.quinn@patients.example").await;
    // The demo seeding gave Avery a record, linked to their account.
    let id: Uuid = patients::table
        .filter(patients::user_id.eq(avery.user_id))
        .select(patients::id)
        .first(&mut conn)
        .await
        .expect("Avery's record");

    let client = ClientInfo::default();
    let grant = access::decide(
        &mut conn,
        &access::Caller::new(avery.clone(), client.clone(), "my-information"),
        id,
        Reach::OwnRecord,
    )
    .await
    .expect("their own record");
    let action = AuditAction::RecordViewed;
    let read = access::within(&mut conn, vault, grant, action, |conn, vault, access| {
        Box::pin(async move {
            let opened = patient_records::demographics(conn, vault, access)
                .await
                .map_err(|_| AppError::Internal)?;
            Ok::<_, AppError>((
                opened.legal_name.expose().clone(),
                *opened.date_of_birth.expose(),
                opened.phone.map(|p| p.expose().clone()),
            ))
        })
    })
    .await
    .expect("read");
    assert_eq!(
        read,
        (
            "Avery Quinn".to_owned(),
            date!(1988 - 03 - 14),
            Some("555-0101".to_owned())
        )
    );
    let views: Vec<(Option<Uuid>, Option<Uuid>)> = audit_events::table
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .select((audit_events::actor_id, audit_events::patient_id))
        .load(&mut conn)
        .await
        .expect("events");
    assert_eq!(views, [(Some(avery.user_id), Some(id))]);

    // Another patient and the administrator are refused, as if there were
    // no such record, and each refusal is recorded.
    for email in ["jordan.lee@patients.example", "admin@juniper-creek.example"] {
        let who = signed_in(&mut conn, email).await;
        let refused = access::decide(
            &mut conn,
            &access::Caller::new(who.clone(), client.clone(), "my-information"),
            id,
            Reach::OwnRecord,
        )
        .await;
        assert_eq!(refused.err(), Some(AppError::NotFound), "{email}");
        let denied: i64 = audit_events::table
            .filter(audit_events::actor_id.eq(who.user_id))
            .filter(audit_events::outcome.eq(AuditOutcome::Denied))
            .filter(audit_events::patient_id.eq(id))
            .count()
            .get_result(&mut conn)
            .await
            .expect("count");
        assert_eq!(denied, 1, "{email}");
    }
}

#[tokio::test]
async fn no_patient_column_holds_plaintext() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let canary = "Zebulon Canarywick";
    patient_records::create(&mut conn, &app.state.vault, org, &details(canary, None))
        .await
        .expect("created");
    // Every column of every row, as PostgreSQL's text for it (bytea as
    // hex and as escaped text both searched).
    let rows = crate::support::db::rows_as_text(
        &mut conn,
        "SELECT concat_ws('|', t::text, encode(legal_name_sealed, 'escape'), encode(email_sealed, 'escape'), encode(phone_sealed, 'escape'), encode(date_of_birth_sealed, 'escape')) AS row FROM patients t",
    )
    .await;
    assert_eq!(
        rows.len(),
        7,
        "five demo patients, the demo's former patient and the canary"
    );
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    for needle in [canary, "zebulon.canarywick", "010-0199", "1991-04-17"] {
        for row in &rows {
            assert!(
                !row.to_lowercase().contains(&needle.to_lowercase()),
                "{needle} in {row}"
            );
            assert!(!row.contains(&hex(needle)), "{needle} (hex) in the row");
        }
    }
}

#[tokio::test]
async fn destroying_a_patients_key_makes_exactly_their_values_unreadable() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let erased = patient_records::create(
        &mut conn,
        &app.state.vault,
        org,
        &details("Erin Erased", None),
    )
    .await
    .expect("created");
    let kept =
        patient_records::create(&mut conn, &app.state.vault, org, &details("Kim Kept", None))
            .await
            .expect("created");
    // Destroying a key outright is the owner's: the application's role
    // may only retire one and destroy it through the owner's function.
    let deleted = diesel::delete(data_keys::table.filter(data_keys::patient_id.eq(erased)))
        .execute(&mut app.db.owner_conn().await)
        .await
        .expect("shred");
    assert_eq!(deleted, 1);
    let fresh = vault(&app, &[1], 1);
    assert!(matches!(
        read_name(&mut conn, &fresh, erased).await,
        Err(ReadError::Unreadable {
            why: Unreadable::Key(KeyError::Missing(_)),
            ..
        })
    ));
    assert_eq!(
        read_name(&mut conn, &fresh, kept).await.expect("kept"),
        "Kim Kept"
    );
}

#[tokio::test]
async fn a_value_copied_to_another_patients_row_does_not_open() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let vault = &app.state.vault;
    let a = patient_records::create(&mut conn, vault, org, &details("Ann Source", None))
        .await
        .expect("created");
    let b = patient_records::create(&mut conn, vault, org, &details("Bo Target", None))
        .await
        .expect("created");
    let a_name: Vec<u8> = patients::table
        .find(a)
        .select(patients::legal_name_sealed)
        .first(&mut conn)
        .await
        .expect("a");
    // Into another patient's row: sealed with someone else's key.
    diesel::update(patients::table.find(b))
        .set(patients::legal_name_sealed.eq(&a_name))
        .execute(&mut conn)
        .await
        .expect("copied");
    assert!(matches!(
        read_name(&mut conn, vault, b).await,
        Err(ReadError::Unreadable {
            why: Unreadable::WrongPatient,
            ..
        })
    ));
    // Into another column of the same row: the right key, the wrong place.
    diesel::update(patients::table.find(a))
        .set(patients::email_sealed.eq(&a_name))
        .execute(&mut conn)
        .await
        .expect("moved");
    let grant = therapist_grant(&mut conn, a).await;
    let at = (columns::PATIENT_EMAIL, a);
    let opened = open_with(&mut conn, vault, grant, at, a_name).await;
    assert!(matches!(opened, Err(Unreadable::Broken(_))));
}

#[tokio::test]
async fn blind_indexes_find_candidates_by_exact_values_without_decrypting() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let vault = &app.state.vault;
    let id = patient_records::create(&mut conn, vault, org, &details("Noor Haddad", None))
        .await
        .expect("created");
    let mut other = details("Someone Else", None);
    other.date_of_birth = date!(1980 - 01 - 02);
    other.phone = Some("555 010 0100".into());
    patient_records::create(&mut conn, vault, org, &other)
        .await
        .expect("created");
    for by in [
        SearchBy::Name("  NOOR   haddad "),
        SearchBy::Email("Noor.Haddad@Canary.Example"),
        SearchBy::Phone("15550100199"),
    ] {
        let found = patient_records::candidates(&mut conn, vault, org, by)
            .await
            .expect("search");
        assert!(found.contains(&id), "{by:?}");
        assert!(found.len() < 2, "{by:?}: the other patient's value differs");
    }
    let born = patient_records::candidates(
        &mut conn,
        vault,
        org,
        SearchBy::DateOfBirth(date!(1991 - 04 - 17)),
    )
    .await
    .expect("search");
    assert_eq!(born, [id]);
    let nobody = patient_records::candidates(&mut conn, vault, org, SearchBy::Name("Nobody Here"))
        .await
        .expect("search");
    assert!(!nobody.contains(&id));
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

#[tokio::test]
async fn every_sealed_column_in_the_database_is_registered_for_rotation() {
    let app = TestApp::new().await;
    let mut conn = app.db.conn().await;
    let mut in_database: Vec<(String, String)> = diesel::sql_query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name LIKE '%\\_sealed'",
    )
    .load::<ColumnName>(&mut conn)
    .await
    .expect("columns")
    .into_iter()
    .map(|c| (c.table_name, c.column_name))
    .collect();
    in_database.sort();
    let mut registered: Vec<(String, String)> = columns::ALL
        .iter()
        .map(|r| (r.column.table.to_owned(), r.column.column.to_owned()))
        .chain(
            columns::OF_PRACTICE
                .iter()
                .map(|r| (r.column.table.to_owned(), r.column.column.to_owned())),
        )
        .chain(
            columns::NOT_PHI
                .iter()
                .map(|(t, c)| ((*t).to_owned(), (*c).to_owned())),
        )
        .collect();
    registered.sort();
    assert_eq!(in_database, registered);
}

#[tokio::test]
async fn sealing_outside_a_transaction_is_refused() {
    // Outside a transaction the key's share lock would not outlive the
    // statement, so a rotation could destroy the key under a value.
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let id = Uuid::new_v4();
    let outside = Sealed::seal(
        &app.state.vault,
        &mut conn,
        app::backend::vault::Scope::patient(org, id),
        columns::PATIENT_LEGAL_NAME.at(id),
        &"Nobody Sealed".to_owned(),
    )
    .await;
    assert_eq!(outside.err(), Some(AppError::Internal));
    let keys: i64 = data_keys::table
        .filter(data_keys::patient_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(keys, 0, "no key was made for it either");
}
