use crate::support::TestDb;
use app::backend::{
    db::migrate,
    identity::accounts::{self, NewAccount},
    identity::password::{HashCost, Passwords},
    organizations,
    seed::{self, Seeded},
};
use app::{error::AppError, model::Role};
use diesel::{prelude::*, sql_query};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};

fn passwords() -> Passwords {
    Passwords::new(HashCost::OWASP, 2).expect("params")
}

#[tokio::test(flavor = "multi_thread")]
async fn migrating_an_up_to_date_database_changes_nothing() {
    let db = TestDb::new().await;
    let applied = migrate::run_pending(&crate::support::db::target(&db.owner_url))
        .await
        .expect("migrate");
    assert!(
        applied.is_empty(),
        "template was already migrated: {applied:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_migrations_from_two_instances_both_succeed() {
    let db = TestDb::new().await;
    let mut conn = db.owner_conn().await;
    conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .await
        .expect("reset schema");
    let target = crate::support::db::target(&db.owner_url);
    let (a, b) = tokio::join!(migrate::run_pending(&target), migrate::run_pending(&target));
    let total = a.expect("first").len() + b.expect("second").len();
    assert_eq!(
        total,
        migrate_count(),
        "each migration applied exactly once"
    );
}

fn migrate_count() -> usize {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&migrate::MIGRATIONS)
        .expect("migrations")
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn emails_are_unique_per_practice_whatever_their_case() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let passwords = passwords();
    let vault = crate::support::app::config_for(&db).vault;
    let practice = organizations::find_or_create(&mut conn, "Alder Street Therapy", "alder-street")
        .await
        .expect("org");
    let other = organizations::find_or_create(&mut conn, "Birch Lane Clinic", "birch-lane")
        .await
        .expect("org");
    let person = |email: &str| NewAccount {
        email: email.into(),
        display_name: "Casey Test".into(),
        role: Role::Therapist,
        password: "a perfectly long password".into(),
    };
    accounts::create_with_password(
        &mut conn,
        &passwords,
        &vault,
        practice,
        person("casey@alder.example"),
    )
    .await
    .expect("first");
    let duplicate = accounts::create_with_password(
        &mut conn,
        &passwords,
        &vault,
        practice,
        person("CASEY@Alder.example"),
    )
    .await;
    let Err(AppError::Invalid(fields)) = duplicate else {
        panic!("duplicate accepted: {duplicate:?}")
    };
    assert_eq!(
        fields.get("email"),
        Some("An account with this email already exists in this practice.")
    );
    accounts::create_with_password(
        &mut conn,
        &passwords,
        &vault,
        other,
        person("casey@alder.example"),
    )
    .await
    .expect("same email in another practice is a different account");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_impossible_rows_even_from_raw_sql() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let practice = organizations::find_or_create(&mut conn, "Alder Street Therapy", "alder-street")
        .await
        .expect("org");
    for (role, status, hash) in [
        ("superuser", "active", "'$argon2id$x'"),
        ("admin", "sleeping", "'$argon2id$x'"),
        ("admin", "active", "NULL"),
        ("admin", "active", "'plaintext'"),
    ] {
        let result = sql_query(format!(
            "INSERT INTO users (organization_id, email, display_name, role, status, password_hash) \
             VALUES ('{practice}', 'x@y.example', 'X', '{role}', '{status}', {hash})"
        ))
        .execute(&mut conn)
        .await;
        assert!(
            result.is_err(),
            "accepted role={role} status={status} hash={hash}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn weak_passwords_create_nothing() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let practice = organizations::find_or_create(&mut conn, "Alder Street Therapy", "alder-street")
        .await
        .expect("org");
    let admin = NewAccount {
        email: "lee@alder.example".into(),
        display_name: "Lee Admin".into(),
        role: Role::Admin,
        password: "only14chars!!!".into(),
    };
    let result = accounts::create_with_password(
        &mut conn,
        &passwords(),
        &crate::support::app::config_for(&db).vault,
        practice,
        admin,
    )
    .await;
    let Err(AppError::Invalid(fields)) = result else {
        panic!("weak admin password accepted")
    };
    assert!(
        fields
            .get("password")
            .is_some_and(|m| m.contains("at least 15"))
    );
    let count: i64 = app::backend::db::schema::users::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_the_demo_twice_changes_nothing() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let passwords = passwords();
    assert_eq!(
        seed::seed_demo(
            &mut conn,
            &passwords,
            &crate::support::app::config_for(&db).vault
        )
        .await,
        Ok(Seeded::Created)
    );
    assert_eq!(
        seed::seed_demo(
            &mut conn,
            &passwords,
            &crate::support::app::config_for(&db).vault
        )
        .await,
        Ok(Seeded::AlreadyPresent)
    );
    let count: i64 = app::backend::db::schema::users::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(count as usize, seed::DEMO_ACCOUNTS.len());
    assert!(seed::demo_present(&mut conn).await.expect("check"));
}
