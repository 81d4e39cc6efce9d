//! Rotating the vault's keys against real PostgreSQL: the KEK (every data
//! key re-wrapped), a patient's data keys (cut short and run again), and a
//! practice's own key.

use super::*;

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
    // The three here, the demo patients' keys (the former patient's too),
    // and the practice's (which seals its patients' account names).
    assert_eq!((done.rewrapped, done.version), (versions.len(), 2));
    assert_eq!(versions.len(), 10);
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
    // With the five demo patients: ten patients, four values each, and the
    // demo's former patient's name and birthday.
    let before = sealed_by(&mut conn).await;
    assert_eq!(before.len(), 42);
    // The practice's own key seals the demo patients' account names and
    // emails: five accounts, two values each.
    let practice_key: i32 = data_keys::table
        .filter(data_keys::organization_id.eq(org))
        .filter(data_keys::patient_id.is_null())
        .select(data_keys::id)
        .first(&mut conn)
        .await
        .expect("the practice's key");

    // The "crash": the rotation stops after re-sealing a few values, with
    // keys retired, some values moved and some not.
    let first = rotate::rotate_dek(&mut conn, &app.state.vault, Target::Practice(org), Some(6))
        .await
        .expect("partial");
    // Eleven patients' keys and the practice's.
    assert_eq!(first.retired, 12);
    assert!(!first.finished);
    assert!(first.resealed >= 6 && first.resealed < 42, "{first:?}");
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
        42 + 10,
        "each value re-sealed once"
    );
    assert_eq!(first.destroyed + second.destroyed, 12);
    // The application's role destroyed them through the owner's function,
    // which left a record of each: the retired keys, by that role.
    let destroyed: Vec<(i32, String)> = data_key_destructions::table
        .select((
            data_key_destructions::key_id,
            data_key_destructions::destroyed_by,
        ))
        .load(&mut conn)
        .await
        .expect("destructions");
    let retired: std::collections::HashSet<i32> = before
        .values()
        .map(|key| i32::try_from(*key).expect("an id"))
        .chain([practice_key])
        .collect();
    assert_eq!(destroyed.len(), 12);
    assert!(
        destroyed
            .iter()
            .all(|(key, by)| retired.contains(key) && by == "cairn_app"),
        "{destroyed:?}"
    );

    let after = sealed_by(&mut conn).await;
    let old_keys: std::collections::HashSet<u32> = before.values().copied().collect();
    for (place, key) in &after {
        assert!(!old_keys.contains(key), "{place:?} still under an old key");
    }
    // One current key per patient and the practice's, none retired, none
    // left over.
    let keys: Vec<(Option<Uuid>, Option<time::OffsetDateTime>)> = data_keys::table
        .select((data_keys::patient_id, data_keys::retired_at))
        .load(&mut conn)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 12);
    assert_eq!(keys.iter().filter(|(p, _)| p.is_none()).count(), 1);
    assert!(keys.iter().all(|(_, retired)| retired.is_none()));
    let fresh = vault(&app, &[1], 1);
    for (id, name) in ids.iter().zip(&names) {
        assert_eq!(
            &read_name(&mut conn, &fresh, *id)
                .await
                .expect("opens after"),
            name
        );
    }
    // A patient's account, re-sealed with the practice's new key, opens too.
    let avery = crate::support::records::user_id(&mut conn, "avery.quinn@patients.example").await;
    let who = app::backend::identity::account_identity::of(&mut conn, &fresh, avery)
        .await
        .expect("opens after");
    assert_eq!(who.display_name, "Avery Quinn");
}

#[tokio::test]
async fn rotating_a_practice_s_key_reseals_its_own_columns_and_only_its_administrators_open_them() {
    use app::backend::{db::schema::audit_alert_reviews, identity::authz::Admin};
    use diesel_async::AsyncConnection;
    let app = app().await;
    let mut conn = app.db.conn().await;
    let org = practice(&mut conn).await;
    let admin: Uuid = app::backend::db::schema::users::table
        .filter(crate::support::records::email_is(
            "admin@juniper-creek.example",
        ))
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
