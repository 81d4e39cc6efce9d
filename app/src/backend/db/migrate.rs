//! Migrations are embedded in the binary, so a deployment is one file.
//! `cairn migrate` and `serve` (unless told not to) apply them.

use super::{ConnectError, DatabaseTarget};
use diesel::RunQueryDsl;
use diesel_async::{AsyncPgConnection, async_connection_wrapper::AsyncConnectionWrapper};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Any constant both instances agree on: serializes migration runs when
/// several app instances start against one database at the same time.
const MIGRATION_LOCK_KEY: i64 = 0x00ca_1e40_0000_0001;

/// Why migrating failed, said for an operator (no URL, no password).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Names the variable and the reason, and whether waiting can help.
    #[error("{0}")]
    Connect(ConnectError),
    #[error("could not take the migration lock: {0}")]
    Lock(String),
    #[error("a migration failed: {0}")]
    Migration(String),
    /// The role may not change the schema: it is the application's, not
    /// the owner's. Names the variable it came from.
    #[error(
        "{0}: this role may not change the schema (migrations run as the tables' owner: set CAIRN_MIGRATION_DATABASE_URL to the owner's URL)"
    )]
    NotOwner(&'static str),
}

impl MigrateError {
    /// A setting the operator must change (a certificate, TLS, the role):
    /// waiting will not help.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Connect(error) => error.is_permanent(),
            Self::NotOwner(_) => true,
            Self::Lock(_) | Self::Migration(_) => false,
        }
    }
}

/// Applies every pending migration and returns the versions it applied.
pub async fn run_pending(target: &DatabaseTarget) -> Result<Vec<String>, MigrateError> {
    let conn = target.connect().await.map_err(MigrateError::Connect)?;
    let variable = target.variable();
    // The harness is synchronous; run it on a blocking thread with the
    // async connection wrapped, as diesel-async recommends.
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)
            .map_err(|e| MigrateError::Lock(e.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| {
                let said = e.to_string();
                // 42501 insufficient_privilege, and "must be owner of".
                if said.contains("permission denied") || said.contains("must be owner") {
                    MigrateError::NotOwner(variable)
                } else {
                    MigrateError::Migration(said)
                }
            });
        // Released with the connection anyway; unlock explicitly for clarity.
        let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn);
        applied
    })
    .await
    .map_err(|e| MigrateError::Migration(format!("migration task stopped: {e}")))?
}
