//! A patient's portal account keeps its name and email sealed: written
//! sealed, read only where it opens, listed only with a record of it, and
//! sealed in place for accounts written before.

use crate::support::{TestApp, TestDb, app::Browser, db::rows_as_text, records::email_is};
use app::{
    backend::{
        db::{migrate, schema::users},
        identity::account_identity,
        seed::DEMO_ACCOUNTS,
    },
    model::{InvitationLink, InvitationView, PersonRow, Role},
};
use diesel::prelude::*;
use diesel_async::{
    AsyncPgConnection, RunQueryDsl, async_connection_wrapper::AsyncConnectionWrapper,
};
use diesel_migrations::MigrationHarness;
use http::StatusCode;
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const INVITED: &str = "marlow.finch@patients.example";
const INVITED_NAME: &str = "Marlow Finch-Canary";
const GOOD_PASSWORD: &str = "quiet river copper lamp";

/// Every row of `users`, as text.
async fn users_dump(conn: &mut AsyncPgConnection) -> String {
    rows_as_text(conn, "SELECT u::text AS row FROM users u")
        .await
        .join("\n")
        .to_lowercase()
}

/// Where each of `needles` stands in `haystack`: none, for a pass.
fn found(haystack: &str, needles: &[&str]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| haystack.contains(&n.to_lowercase()))
        .map(|n| (*n).to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn patients_accounts_are_stored_sealed_and_staff_accounts_readable() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let dump = users_dump(&mut conn).await;
    for (name, email, role) in DEMO_ACCOUNTS {
        let stored: (Option<String>, Option<String>, bool, bool) = users::table
            .filter(email_is(email))
            .select((
                users::email,
                users::display_name,
                users::email_sealed.is_not_null(),
                users::display_name_sealed.is_not_null(),
            ))
            .first(&mut conn)
            .await
            .expect("the account");
        if *role == Role::Patient {
            assert_eq!(stored, (None, None, true, true), "{email}");
            assert_eq!(found(&dump, &[name, email]), Vec::<String>::new());
        } else {
            assert_eq!(
                stored,
                (
                    Some((*email).to_owned()),
                    Some((*name).to_owned()),
                    false,
                    false
                )
            );
        }
        // Each opens to what was written, for whoever may read it.
        let id = crate::support::records::user_id(&mut conn, email).await;
        let who = account_identity::of(&mut conn, &app.state.vault, id)
            .await
            .expect("opens");
        assert_eq!(
            (who.email.as_str(), who.display_name.as_str()),
            (*email, *name)
        );
    }
    // The database itself refuses a patient's name in the clear next to a
    // sealed one, and a sealed name on a staff account.
    let mut owner = app.db.owner_conn().await;
    for refused in [
        "UPDATE users SET display_name = 'In The Clear' WHERE role = 'patient'",
        "UPDATE users SET email_sealed = '\\x00'::bytea WHERE role = 'therapist'",
        "UPDATE users SET email = NULL WHERE role = 'admin'",
    ] {
        let result = diesel::sql_query(refused).execute(&mut owner).await;
        assert!(result.is_err(), "{refused} was allowed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invited_patient_is_sealed_from_the_start_and_greeted_by_name() {
    let app = TestApp::with_demo().await;
    let mut therapist = app.signed_in(THERAPIST).await;
    let reply = therapist
        .call(
            "/api/invite",
            &[
                ("email", INVITED),
                ("display_name", INVITED_NAME),
                ("role", "patient"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let link: InvitationLink = serde_json::from_str(&reply.body).expect("link");
    let token = link
        .url
        .rsplit_once("/invite/")
        .expect("token")
        .1
        .to_owned();

    let mut conn = app.db.conn().await;
    assert_eq!(
        found(&users_dump(&mut conn).await, &[INVITED, INVITED_NAME]),
        Vec::<String>::new()
    );
    let invitations = rows_as_text(&mut conn, "SELECT i::text AS row FROM invitations i").await;
    assert_eq!(
        found(
            &invitations.join("\n").to_lowercase(),
            &[INVITED, INVITED_NAME]
        ),
        Vec::<String>::new()
    );

    // The link's holder sees whom it is for, and becomes them.
    let view = app
        .browser()
        .fetch(&format!("/api/invitation?token={token}"))
        .await;
    let view: InvitationView = serde_json::from_str(&view.body).expect("view");
    assert_eq!(
        (view.email.as_str(), view.display_name.as_str()),
        (INVITED, INVITED_NAME)
    );
    // A password made of the sealed email is still refused: the rules see it.
    let mut browser = app.browser();
    let weak = browser
        .call(
            "/api/accept-invitation",
            &[
                ("token", &token),
                ("password", "marlow.finch@patients.example"),
            ],
        )
        .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.body
    );
    let accepted = browser
        .call(
            "/api/accept-invitation",
            &[("token", &token), ("password", GOOD_PASSWORD)],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let mut again = Browser::new(app.router());
    again
        .sign_in(" Marlow.Finch@Patients.Example ", GOOD_PASSWORD)
        .await;
    let who = again.current_user().await.expect("signed in");
    assert_eq!(who.display_name, INVITED_NAME);
    assert_eq!(
        found(&users_dump(&mut conn).await, &[INVITED, INVITED_NAME]),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_patients_on_people_is_recorded_for_each_of_them() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let reply = admin.fetch("/api/people").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let people: Vec<PersonRow> = serde_json::from_str(&reply.body).expect("rows");
    let patients: Vec<&PersonRow> = people.iter().filter(|p| p.role == Role::Patient).collect();
    let expected = DEMO_ACCOUNTS
        .iter()
        .filter(|(_, _, role)| *role == Role::Patient)
        .count();
    assert_eq!(patients.len(), expected);
    // Opened for the list, and sorted by name once opened.
    let names: Vec<&str> = patients.iter().map(|p| p.display_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    for patient in &patients {
        let (_, email, _) = DEMO_ACCOUNTS
            .iter()
            .find(|(name, ..)| *name == patient.display_name)
            .expect("a demo patient");
        assert_eq!(patient.email, *email);
    }

    let mut conn = app.db.conn().await;
    let admin_id = crate::support::records::user_id(&mut conn, ADMIN).await;
    let listed: Vec<(Uuid, Option<Uuid>)> = {
        use app::backend::db::schema::audit_events as e;
        e::table
            .filter(e::action.eq("account.listed"))
            .filter(e::actor_id.eq(admin_id))
            .select((e::subject_user_id.assume_not_null(), e::patient_id))
            .load(&mut conn)
            .await
            .expect("events")
    };
    let mut subjects: Vec<Uuid> = listed.iter().map(|(user, _)| *user).collect();
    subjects.sort();
    let mut ids: Vec<Uuid> = patients.iter().map(|p| p.id).collect();
    ids.sort();
    assert_eq!(subjects, ids, "one event per patient listed, and only them");
    assert!(
        listed.iter().all(|(_, record)| record.is_some()),
        "the demo patients have records: each event names it"
    );
}

/// Reverts, as the owner, every migration after sealing (000017) and then
/// sealing itself: the schema before it. Answers the first refusal.
fn revert_to_before_sealing(
    conn: &mut AsyncConnectionWrapper<AsyncPgConnection>,
) -> Result<(), String> {
    loop {
        let reverted = conn
            .revert_last_migration(migrate::MIGRATIONS)
            .map_err(|error| error.to_string())?;
        if reverted.to_string().contains("000017") {
            return Ok(());
        }
    }
}

/// The schema before sealing, in `db`.
async fn revert_sealing(db: &TestDb) {
    let owner = db.owner_conn().await;
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(owner);
        revert_to_before_sealing(&mut conn).expect("revert");
    })
    .await
    .expect("blocking task");
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_written_before_are_sealed_in_place_once_and_still_sign_in() {
    const OLD_PATIENT: &str = "ezra.canary@patients.example";
    const OLD_NAME: &str = "Ezra Legacy-Canary";
    const OLD_STAFF: &str = "Old.Staff@Juniper-Creek.example";
    let app = TestApp::with_demo().await;
    // The schema as it was, refusing to go back while anything is sealed.
    let owner_revert = app.db.owner_conn().await;
    let refused = tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(owner_revert);
        revert_to_before_sealing(&mut conn).is_err()
    })
    .await
    .expect("blocking task");
    assert!(refused, "going back would lose the sealed names");

    let db = TestDb::new().await;
    revert_sealing(&db).await;
    let mut owner = db.owner_conn().await;
    let hash = app
        .state
        .passwords
        .hash(GOOD_PASSWORD.to_owned())
        .await
        .expect("hash");
    // Rows as the release before wrote them: readable, and not indexed.
    diesel::sql_query(
        "INSERT INTO organizations (name, slug) VALUES ('Older Practice', 'older-practice')",
    )
    .execute(&mut owner)
    .await
    .expect("practice");
    for (email, name, role) in [
        (OLD_PATIENT, OLD_NAME, "patient"),
        (OLD_STAFF, "Old Staff", "therapist"),
    ] {
        diesel::sql_query(
            "INSERT INTO users (organization_id, email, display_name, role, status, password_hash) \
             SELECT id, $1, $2, $3, 'active', $4 FROM organizations WHERE slug = 'older-practice'",
        )
        .bind::<diesel::sql_types::Text, _>(email)
        .bind::<diesel::sql_types::Text, _>(name)
        .bind::<diesel::sql_types::Text, _>(role)
        .bind::<diesel::sql_types::Text, _>(hash.as_str())
        .execute(&mut owner)
        .await
        .expect("an older account");
    }
    migrate::run_pending(&crate::support::db::target(&db.owner_url))
        .await
        .expect("migrate");
    let mut conn = db.conn().await;
    // Before the step, they read as before.
    assert_eq!(
        found(&users_dump(&mut conn).await, &[OLD_PATIENT, OLD_NAME]).len(),
        2
    );

    // The step the server runs at start, as the application's role: both
    // indexed, the patient sealed; once.
    let vault = &app.state.vault;
    let changed = account_identity::seal_existing(&mut conn, vault)
        .await
        .expect("sealed");
    assert_eq!(changed, 2);
    assert_eq!(
        account_identity::seal_existing(&mut conn, vault)
            .await
            .expect("again"),
        0
    );
    let dump = users_dump(&mut conn).await;
    assert_eq!(found(&dump, &[OLD_PATIENT, OLD_NAME]), Vec::<String>::new());
    assert!(dump.contains("old staff"), "staff stay readable");
    let id = crate::support::records::user_id(&mut conn, OLD_PATIENT).await;
    let who = account_identity::of(&mut conn, vault, id)
        .await
        .expect("opens");
    assert_eq!(
        (who.email.as_str(), who.display_name.as_str()),
        (OLD_PATIENT, OLD_NAME)
    );
    let staff = crate::support::records::user_id(&mut conn, OLD_STAFF).await;
    let staff = account_identity::of(&mut conn, vault, staff)
        .await
        .expect("readable");
    assert_eq!(staff.email, OLD_STAFF, "a staff email is kept as it was");

    // Both still sign in, through the index.
    let config = crate::support::app::config_for(&db);
    let state = server::serve::build_state(&config).expect("state");
    state.db.set_schema_ready();
    let router = server::http::router(state, (&config).into());
    let mut browser = Browser::new(router.clone());
    browser.sign_in(OLD_PATIENT, GOOD_PASSWORD).await;
    assert_eq!(
        browser
            .current_user()
            .await
            .expect("signed in")
            .display_name,
        OLD_NAME
    );
    Browser::new(router).sign_in(OLD_STAFF, GOOD_PASSWORD).await;
}
