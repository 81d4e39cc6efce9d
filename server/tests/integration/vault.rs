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
        access::ReadError,
        access::{self, Grant, Reach},
        client::ClientInfo,
        db::schema::{audit_events, data_keys, patients},
        patients::{self as patient_records, NewPatient, SearchBy},
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
        &app.db.url,
        &[
            ("CAIRN_KEKS", &list),
            ("CAIRN_KEK_CURRENT", &current),
            ("CAIRN_BLIND_INDEX_KEY", &key(99)),
        ],
    )
    .vault
}

async fn app() -> TestApp {
    TestApp::with_demo_and(&[
        ("CAIRN_KEKS", &format!("1:{}", key(1))),
        ("CAIRN_BLIND_INDEX_KEY", &key(99)),
    ])
    .await
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
    access::decide(conn, &therapist, patient, Reach::Chart, "test", &client)
        .await
        .expect("a therapist on the care team may")
}

async fn read_name(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    patient: Uuid,
) -> Result<String, ReadError> {
    let grant = therapist_grant(conn, patient).await;
    let (action, client) = (AuditAction::RecordViewed, ClientInfo::default());
    access::within(
        conn,
        vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
            Box::pin(async move {
                let opened = patient_records::demographics(conn, vault, access).await?;
                Ok(opened.legal_name.expose().clone())
            })
        },
    )
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
        &avery,
        id,
        Reach::OwnRecord,
        "my-information",
        &client,
    )
    .await
    .expect("their own record");
    let action = AuditAction::RecordViewed;
    let read = access::within(
        &mut conn,
        vault,
        grant,
        action,
        &client,
        |conn, vault, access| {
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
        },
    )
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
            &who,
            id,
            Reach::OwnRecord,
            "my-information",
            &client,
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
    let rows: Vec<String> = diesel::sql_query(
        "SELECT concat_ws('|', t::text, encode(legal_name_sealed, 'escape'), encode(email_sealed, 'escape'), encode(phone_sealed, 'escape'), encode(date_of_birth_sealed, 'escape')) AS row FROM patients t",
    )
    .load::<RawRow>(&mut conn)
    .await
    .expect("rows")
    .into_iter()
    .map(|r| r.row)
    .collect();
    assert_eq!(rows.len(), 6, "five demo patients and the canary");
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

#[derive(QueryableByName)]
struct RawRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    row: String,
}

#[tokio::test]
async fn kek_rotation_rewraps_every_data_key_and_everything_still_opens() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let mut ids = Vec::new();
    for name in ["Ada Rotation", "Ben Rotation", "Cy Rotation"] {
        ids.push(
            patient_records::create(&mut conn, &app.state.vault, org, &details(name, None))
                .await
                .expect("created"),
        );
    }
    // During the rotation both versions are configured; 2 is current.
    let both = vault(&app, &[1, 2], 2);
    let done = rotate::rotate_kek(&mut conn, &both).await.expect("rotated");
    let versions: Vec<i32> = data_keys::table
        .select(data_keys::kek_version)
        .load(&mut conn)
        .await
        .expect("keys");
    // The three here and the demo patients' keys.
    assert_eq!((done.rewrapped, done.version), (versions.len(), 2));
    assert_eq!(versions.len(), 8);
    assert!(versions.iter().all(|v| *v == 2));
    // Afterwards version 1 can go: a vault with only version 2 opens all.
    let only_new = vault(&app, &[2], 2);
    for (id, name) in ids
        .iter()
        .zip(["Ada Rotation", "Ben Rotation", "Cy Rotation"])
    {
        assert_eq!(
            read_name(&mut conn, &only_new, *id).await.expect("opens"),
            name
        );
    }
    // ...and one with only the old version no longer does.
    let only_old = vault(&app, &[1], 1);
    assert!(matches!(
        read_name(&mut conn, &only_old, ids[0]).await,
        Err(ReadError::Unreadable {
            why: Unreadable::Key(KeyError::KekMissing(_, 2)),
            ..
        })
    ));
    // Running it again finds nothing to do; both runs are recorded.
    assert_eq!(
        rotate::rotate_kek(&mut conn, &both)
            .await
            .expect("again")
            .rewrapped,
        0
    );
    let recorded: i64 = audit_events::table
        .filter(audit_events::action.eq(AuditAction::KeyRotated))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(recorded, 2);
}

/// Every sealed value of the patients table: (patient, column) -> key id.
async fn sealed_by(conn: &mut AsyncPgConnection) -> HashMap<(Uuid, &'static str), u32> {
    type Row = (Uuid, Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);
    let rows: Vec<Row> = patients::table
        .select((
            patients::id,
            patients::legal_name_sealed,
            patients::date_of_birth_sealed,
            patients::email_sealed,
            patients::phone_sealed,
        ))
        .load(conn)
        .await
        .expect("patients");
    let mut out = HashMap::new();
    for (id, name, born, email, phone) in rows {
        for (column, bytes) in [
            ("legal_name", Some(name)),
            ("date_of_birth", Some(born)),
            ("email", email),
            ("phone", phone),
        ] {
            if let Some(bytes) = bytes {
                let key = Sealed::<String>::from_stored(bytes)
                    .key_id()
                    .expect("header");
                out.insert((id, column), key);
            }
        }
    }
    out
}

#[tokio::test]
async fn a_dek_rotation_cut_short_and_run_again_leaves_every_value_readable_and_resealed_once() {
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let names: Vec<String> = (0..5).map(|n| format!("Patient Number{n}")).collect();
    let mut ids = Vec::new();
    for name in &names {
        ids.push(
            patient_records::create(&mut conn, &app.state.vault, org, &details(name, None))
                .await
                .expect("created"),
        );
    }
    // With the five demo patients: ten patients, four values each.
    let before = sealed_by(&mut conn).await;
    assert_eq!(before.len(), 40);

    // The "crash": the rotation stops after re-sealing a few values, with
    // keys retired, some values moved and some not.
    let first = rotate::rotate_dek(&mut conn, &app.state.vault, Target::Practice(org), Some(6))
        .await
        .expect("partial");
    assert_eq!(first.retired, 10);
    assert!(!first.finished);
    assert!(first.resealed >= 6 && first.resealed < 40, "{first:?}");
    // Midway, every value still opens (a fresh instance's cache).
    let fresh = vault(&app, &[1], 1);
    for (id, name) in ids.iter().zip(&names) {
        assert_eq!(
            &read_name(&mut conn, &fresh, *id)
                .await
                .expect("opens midway"),
            name
        );
    }

    let second = rotate::rotate_dek(&mut conn, &app.state.vault, Target::Practice(org), None)
        .await
        .expect("finished");
    assert_eq!(
        second.retired, 0,
        "a rerun resumes, it does not retire again"
    );
    assert!(second.finished);
    assert_eq!(
        first.resealed + second.resealed,
        40,
        "each value re-sealed once"
    );
    assert_eq!(first.destroyed + second.destroyed, 10);

    let after = sealed_by(&mut conn).await;
    let old_keys: std::collections::HashSet<u32> = before.values().copied().collect();
    for (place, key) in &after {
        assert!(!old_keys.contains(key), "{place:?} still under an old key");
    }
    // One current key per patient, none retired, none left over.
    let keys: Vec<(Option<Uuid>, Option<time::OffsetDateTime>)> = data_keys::table
        .select((data_keys::patient_id, data_keys::retired_at))
        .load(&mut conn)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 10);
    assert!(
        keys.iter()
            .all(|(p, retired)| p.is_some() && retired.is_none())
    );
    let fresh = vault(&app, &[1], 1);
    for (id, name) in ids.iter().zip(&names) {
        assert_eq!(
            &read_name(&mut conn, &fresh, *id)
                .await
                .expect("opens after"),
            name
        );
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
    let deleted = diesel::delete(data_keys::table.filter(data_keys::patient_id.eq(erased)))
        .execute(&mut conn)
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

#[tokio::test]
async fn rotating_a_practice_s_key_reseals_its_own_columns_and_only_its_administrators_open_them() {
    use app::backend::{authz::Admin, db::schema::audit_alert_reviews};
    use diesel_async::AsyncConnection;
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let admin: Uuid = app::backend::db::schema::users::table
        .filter(app::backend::db::schema::users::email.eq("admin@juniper-creek.example"))
        .select(app::backend::db::schema::users::id)
        .first(&mut conn)
        .await
        .expect("admin");
    let note = "Spoke with the therapist; nothing to act on";
    let id = Uuid::new_v4();
    let sealing = app.state.vault.clone();
    conn.transaction::<_, AppError, _>(async |conn| {
        let sealed =
            Sealed::seal_for_practice(&sealing, conn, org, columns::ALERT_REVIEW_NOTE, id, note)
                .await?;
        diesel::insert_into(audit_alert_reviews::table)
            .values((
                audit_alert_reviews::id.eq(id),
                audit_alert_reviews::organization_id.eq(org),
                audit_alert_reviews::alert_key.eq("emergency_access:1"),
                audit_alert_reviews::through_event_id.eq(1),
                audit_alert_reviews::reviewed_by.eq(admin),
                audit_alert_reviews::note_sealed.eq(sealed.as_bytes()),
            ))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
    .expect("a sealed note");
    let stored = || async {
        let bytes: Option<Vec<u8>> = audit_alert_reviews::table
            .select(audit_alert_reviews::note_sealed)
            .first(&mut app.db.conn().await)
            .await
            .expect("note");
        Sealed::<String>::from_stored(bytes.expect("sealed"))
    };
    let before = stored().await;
    let ours = Admin {
        user_id: admin,
        organization_id: org,
    };

    let done = rotate::rotate_dek(&mut conn, &app.state.vault, Target::Practice(org), None)
        .await
        .expect("rotated");
    assert!(done.finished && done.resealed >= 1, "{done:?}");
    let after = stored().await;
    assert_ne!(
        after.key_id(),
        before.key_id(),
        "re-sealed under the new key"
    );
    let fresh = vault(&app, &[1], 1);
    let opened = after
        .open_for_practice(&fresh, &mut conn, &ours, columns::ALERT_REVIEW_NOTE, id)
        .await
        .expect("opens after rotation");
    assert_eq!(opened.expose(), note);

    // Another practice's administrator, another row, or a patient's
    // column: refused.
    let theirs = Admin {
        user_id: admin,
        organization_id: Uuid::new_v4(),
    };
    assert_eq!(
        after
            .open_for_practice(&fresh, &mut conn, &theirs, columns::ALERT_REVIEW_NOTE, id)
            .await
            .err(),
        Some(Unreadable::WrongPatient)
    );
    assert!(matches!(
        after
            .open_for_practice(
                &fresh,
                &mut conn,
                &ours,
                columns::ALERT_REVIEW_NOTE,
                Uuid::new_v4()
            )
            .await,
        Err(Unreadable::Broken(_))
    ));
    assert!(matches!(
        after
            .open_for_practice(&fresh, &mut conn, &ours, columns::PATIENT_LEGAL_NAME, id)
            .await,
        Err(Unreadable::OutOfReach(..))
    ));
}
