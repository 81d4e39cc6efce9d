//! Two roles, as production runs: the tables' owner migrates, and the
//! server connects as `cairn_app`, which can append to the trail but never
//! change it, and cannot delete what the practice must keep. Every other
//! integration test already runs as `cairn_app`; these check the role
//! itself and the refusals around it.

use crate::support::{
    TestDb,
    app::config_for,
    db::{admin_url, app_url_for, connect, target},
    records::patient_in_own_practice,
};
use app::backend::db::{migrate, privileges};
use diesel::{QueryableByName, sql_query, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName, Debug, PartialEq)]
struct Rights {
    #[diesel(sql_type = sql_types::Text)]
    table: String,
    #[diesel(sql_type = sql_types::Text)]
    rights: String,
}

/// What `cairn_app` may do to each table (S select, I insert, U update,
/// u some columns only, D delete, T truncate), as the migrations leave it.
/// A new table fails this test until its rights are decided here.
const EXPECTED: &[(&str, &str)] = &[
    ("alert_deliveries", "SIu"),
    ("alert_episodes", "SIuD"),
    ("alert_watch", "SU"),
    ("alert_watch_gaps", "SIUD"),
    ("amendments", "SIu"),
    ("audit_alert_reviews", "SIU"),
    ("audit_events", "SI"),
    ("audit_tally", "SIUD"),
    ("audit_verifications", "SI"),
    ("care_team", "SIUD"),
    ("clinical_notes", "SIU"),
    ("configured_keys", "SIu"),
    ("consent_templates", "SIu"),
    ("consents", "SIu"),
    ("data_key_destructions", "S"),
    ("data_keys", "SIU"),
    ("diagnoses", "SIU"),
    ("disclosures", "SIu"),
    ("emergency_access", "SIu"),
    ("erasure_requests", "SI"),
    ("identity_corrections", "SIu"),
    ("insurance_policies", "SIu"),
    ("invitations", "SIU"),
    ("legal_holds", "SIu"),
    ("measure_assignments", "SIu"),
    ("measure_responses", "SIu"),
    ("mfa_enrollments", "SIUD"),
    ("mfa_factors", "SIUD"),
    ("note_addenda", "SIU"),
    ("organizations", "SIU"),
    ("passkeys", "SIuD"),
    ("patient_erasures", "S"),
    ("patients", "SIU"),
    ("recovery_codes", "SIUD"),
    ("safety_plans", "SIu"),
    ("security_events", "SIU"),
    ("sessions", "SIUD"),
    ("treatment_plans", "SIU"),
    ("users", "SIU"),
];

async fn rights(conn: &mut AsyncPgConnection) -> Vec<(String, String)> {
    let rows: Vec<Rights> = sql_query(
        "SELECT c.relname::text AS table, concat( \
             CASE WHEN has_table_privilege('cairn_app', c.oid, 'SELECT') THEN 'S' END, \
             CASE WHEN has_table_privilege('cairn_app', c.oid, 'INSERT') THEN 'I' END, \
             CASE WHEN has_table_privilege('cairn_app', c.oid, 'UPDATE') THEN 'U' \
                  WHEN has_any_column_privilege('cairn_app', c.oid, 'UPDATE') THEN 'u' END, \
             CASE WHEN has_table_privilege('cairn_app', c.oid, 'DELETE') THEN 'D' END, \
             CASE WHEN has_table_privilege('cairn_app', c.oid, 'TRUNCATE') THEN 'T' END) AS rights \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
           AND c.relname <> '__diesel_schema_migrations' \
         ORDER BY 1",
    )
    .load(conn)
    .await
    .expect("the catalogue");
    rows.into_iter().map(|r| (r.table, r.rights)).collect()
}

#[tokio::test]
async fn the_application_role_has_exactly_the_rights_listed_and_no_more() {
    let db = TestDb::new().await;
    let expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(t, r)| ((*t).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(rights(&mut db.owner_conn().await).await, expected);
    // ...which is what production accepts.
    let excess = privileges::excess(&mut db.conn().await)
        .await
        .expect("the catalogue");
    assert!(excess.is_empty(), "{excess:?}");
}

/// A throwaway role holding the application's rights plus `grants`, made
/// current on `conn`; dropped by [`drop_role`].
async fn role_with(conn: &mut AsyncPgConnection, grants: &[&str]) -> String {
    let role = format!(
        "cairn_test_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    for sql in [
        format!("CREATE ROLE {role} NOLOGIN"),
        format!("GRANT cairn_app TO {role}"),
    ]
    .into_iter()
    .chain(grants.iter().map(|g| g.replace("{role}", &role)))
    .chain([format!("SET ROLE {role}")])
    {
        sql_query(&sql).execute(conn).await.expect(&sql);
    }
    role
}

async fn drop_role(conn: &mut AsyncPgConnection, role: &str) {
    for sql in [
        "RESET ROLE".to_owned(),
        format!("DROP OWNED BY {role}"),
        format!("DROP ROLE {role}"),
    ] {
        sql_query(&sql).execute(conn).await.expect(&sql);
    }
}

#[tokio::test]
async fn a_role_with_more_rights_than_the_application_s_is_named_for_each() {
    let db = TestDb::new().await;
    let mut owner = db.owner_conn().await;
    let excess = privileges::excess(&mut owner).await.expect("catalogue");
    assert_eq!(excess.len(), 1, "{excess:?}");
    assert!(excess[0].contains("is a superuser"), "{excess:?}");

    for (grants, expected) in [
        (
            &["GRANT DELETE ON data_keys TO {role}"][..],
            "may DELETE data_keys",
        ),
        (
            &["GRANT UPDATE ON audit_events TO {role}"],
            "may UPDATE audit_events",
        ),
        (
            &["GRANT UPDATE (head_id) ON audit_verifications TO {role}"],
            "may UPDATE audit_verifications",
        ),
        (
            &["GRANT DELETE, TRUNCATE ON patients TO {role}"],
            "may DELETE and TRUNCATE patients",
        ),
        (
            &["GRANT TRUNCATE ON sessions TO {role}"],
            "may TRUNCATE sessions",
        ),
        (
            &["ALTER TABLE audit_verifications OWNER TO {role}"],
            "owns the tables (audit_verifications)",
        ),
        (&["ALTER ROLE {role} CREATEROLE"], "may create roles"),
    ] {
        let role = role_with(&mut owner, grants).await;
        let excess = privileges::excess(&mut owner).await.expect("catalogue");
        drop_role(&mut owner, &role).await;
        assert_eq!(excess.len(), 1, "{grants:?}: {excess:?}");
        assert!(
            excess[0].contains(&role) && excess[0].contains(expected),
            "{grants:?}: {excess:?}"
        );
    }
    let refusal = privileges::refusal("DATABASE_URL", &["the role x is a superuser".into()]);
    assert!(refusal.starts_with("DATABASE_URL: "), "{refusal}");
    assert!(
        refusal.contains("CAIRN_MIGRATION_DATABASE_URL"),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_data_key_leaves_only_retired_through_the_owner_s_function_and_is_recorded() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let vault = config_for(&db).vault;
    let org = patient_in_own_practice(&mut conn, &vault, "Kit Keeper").await;
    let key: i32 = diesel::select(diesel::dsl::sql::<sql_types::Integer>(
        "(SELECT max(id) FROM data_keys)",
    ))
    .get_result(&mut conn)
    .await
    .expect("its key");

    for sql in [
        "DELETE FROM data_keys".to_owned(),
        "TRUNCATE data_keys".to_owned(),
        format!(
            "INSERT INTO data_key_destructions (key_id, organization_id, purpose, created_at, retired_at) VALUES (999, '{org}', 'record', now(), now())"
        ),
        "DELETE FROM data_key_destructions".to_owned(),
    ] {
        let error = sql_query(&sql).execute(&mut conn).await.expect_err(&sql);
        assert!(
            error.to_string().contains("permission denied"),
            "{sql}: {error}"
        );
    }
    let destroy = format!("SELECT cairn_destroy_retired_data_key({key})");
    let error = sql_query(&destroy)
        .execute(&mut conn)
        .await
        .expect_err("a key in use");
    assert!(error.to_string().contains("not a retired key"), "{error}");

    sql_query(format!(
        "UPDATE data_keys SET retired_at = now() WHERE id = {key}"
    ))
    .execute(&mut conn)
    .await
    .expect("retire");
    sql_query(&destroy)
        .execute(&mut conn)
        .await
        .expect("a retired key goes");
    #[derive(QueryableByName)]
    struct Destroyed {
        #[diesel(sql_type = sql_types::Text)]
        by: String,
        #[diesel(sql_type = sql_types::Bigint)]
        left: i64,
    }
    let destroyed: Destroyed = sql_query(format!(
        "SELECT destroyed_by AS by, (SELECT count(*) FROM data_keys WHERE id = {key}) AS left \
         FROM data_key_destructions WHERE key_id = {key}"
    ))
    .get_result(&mut conn)
    .await
    .expect("recorded");
    assert_eq!((destroyed.by.as_str(), destroyed.left), ("cairn_app", 0));
    let again = sql_query(&destroy).execute(&mut conn).await;
    assert!(again.is_err(), "gone is gone");
}

#[tokio::test]
async fn migrating_as_the_application_s_role_is_refused_naming_the_variable() {
    let name = format!("cairn_unmigrated_{}", uuid::Uuid::new_v4().simple());
    let mut admin = connect(&admin_url()).await.expect("admin");
    sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create");
    let result = migrate::run_pending(&target(&app_url_for(&name))).await;
    sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
    let error = result.expect_err("the application's role cannot create tables");
    assert!(
        matches!(error, migrate::MigrateError::NotOwner("DATABASE_URL")),
        "{error}"
    );
    assert!(
        error.to_string().contains("CAIRN_MIGRATION_DATABASE_URL"),
        "{error}"
    );
}
