//! What the role the server connects as may do to the tables, read from
//! the catalog and held against what Cairn promises: the trail is
//! append-only, nothing the practice must keep can be deleted, and no
//! table can be emptied. Production refuses to serve through a role with
//! more rights than these (a superuser, the tables' owner, or one granted
//! too much by hand); development warns.
//!
//! The catalog is the list, not this file, so a table a later migration
//! adds is checked without anyone remembering to add it here.

use diesel::{QueryableByName, sql_query, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Tables whose rows the application removes in its ordinary work: signing
/// out, resetting two-step verification, removing a passkey, changing a
/// care team, and the alert watcher's scratch (episodes that never became
/// alerts, ids it waits for). Its role may DELETE from no other table.
pub const DELETED_BY_THE_APPLICATION: &[&str] = &[
    "sessions",
    "mfa_factors",
    "mfa_enrollments",
    "recovery_codes",
    "passkeys",
    "care_team",
    "alert_episodes",
    "alert_watch_gaps",
    "audit_tally",
];

/// The tamper-evident trail and its verifications: written once, never
/// changed.
pub const APPEND_ONLY: &[&str] = &["audit_events", "audit_verifications"];

#[derive(QueryableByName)]
struct Role {
    #[diesel(sql_type = sql_types::Text)]
    name: String,
    #[diesel(sql_type = sql_types::Bool)]
    superuser: bool,
    #[diesel(sql_type = sql_types::Bool)]
    creates_roles: bool,
}

#[derive(QueryableByName)]
struct TableRights {
    #[diesel(sql_type = sql_types::Text)]
    table: String,
    #[diesel(sql_type = sql_types::Bool)]
    owns: bool,
    #[diesel(sql_type = sql_types::Bool)]
    may_update: bool,
    #[diesel(sql_type = sql_types::Bool)]
    may_delete: bool,
    #[diesel(sql_type = sql_types::Bool)]
    may_truncate: bool,
}

/// Every way the connected role exceeds the application's rights, one
/// sentence each; empty when it is the application's role as the
/// migrations made it.
pub async fn excess(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<String>> {
    let role: Role = sql_query(
        "SELECT current_user::text AS name, rolsuper AS superuser, rolcreaterole AS creates_roles \
         FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(conn)
    .await?;
    if role.superuser {
        // A superuser passes every check below; say the one that matters.
        return Ok(vec![format!("the role {} is a superuser", role.name)]);
    }
    let mut excess = Vec::new();
    if role.creates_roles {
        // CREATEROLE can grant itself membership in the owner's role.
        excess.push(format!(
            "the role {} may create roles (CREATEROLE)",
            role.name
        ));
    }
    // pg_has_role(…, 'USAGE'): the role is the owner or holds its rights.
    let tables: Vec<TableRights> = sql_query(
        "SELECT c.relname::text AS table, \
                pg_has_role(c.relowner, 'USAGE') AS owns, \
                has_any_column_privilege(c.oid, 'UPDATE') AS may_update, \
                has_table_privilege(c.oid, 'DELETE') AS may_delete, \
                has_table_privilege(c.oid, 'TRUNCATE') AS may_truncate \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
         ORDER BY c.relname",
    )
    .load(conn)
    .await?;
    let owned: Vec<&str> = tables
        .iter()
        .filter(|t| t.owns)
        .map(|t| t.table.as_str())
        .collect();
    if !owned.is_empty() {
        excess.push(format!(
            "the role {} owns the tables ({}): that is the migration role, not the application's",
            role.name,
            owned.join(", ")
        ));
        return Ok(excess);
    }
    for table in &tables {
        let name = table.table.as_str();
        let mut rights = Vec::new();
        if table.may_update && APPEND_ONLY.contains(&name) {
            rights.push("UPDATE");
        }
        if table.may_delete && !DELETED_BY_THE_APPLICATION.contains(&name) {
            rights.push("DELETE");
        }
        if table.may_truncate {
            rights.push("TRUNCATE");
        }
        if !rights.is_empty() {
            excess.push(format!(
                "the role {} may {} {name}",
                role.name,
                rights.join(" and ")
            ));
        }
    }
    Ok(excess)
}

/// The one line production stops with when [`excess`] found anything.
pub fn refusal(variable: &str, excess: &[String]) -> String {
    format!(
        "{variable}: production serves only as the application's role (cairn_app), and {}; connect as cairn_app and run migrations with CAIRN_MIGRATION_DATABASE_URL",
        excess.join("; ")
    )
}
