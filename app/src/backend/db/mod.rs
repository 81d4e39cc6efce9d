//! The PostgreSQL connection pool and the readiness gate in front of it.
//!
//! Every request that needs the database goes through [`Database::conn`],
//! which answers [`AppError::Unavailable`] (a clean 503) while the database
//! is unreachable or the schema is not migrated yet, never a panic.

mod connect;
pub mod enums;
mod held;
pub mod migrate;
pub mod privileges;
pub mod schema;
mod tls;

pub use connect::{ConnectError, DatabaseTarget, SslMode};
pub use held::{Conn, connections_held, counting_connections};

use crate::error::AppError;
use diesel_async::{
    AsyncPgConnection, RunQueryDsl,
    pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, bb8},
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

pub type Pool = bb8::Pool<AsyncPgConnection>;

/// The connection backend functions take (what a pooled [`Conn`] derefs
/// to). Named here so that the server functions can hand one along, and
/// name the work they pass to the access path, without a query language
/// of their own: queries live in the backend.
pub type Connection = AsyncPgConnection;

/// How long a request waits for a connection before it is told the
/// database is unavailable.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// The pool plus whether the schema is known to be current.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    schema_ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for Database {
    // Never print the pool: its manager holds the connection URL.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("schema_ready", &self.schema_ready())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Builds the pool without connecting: the server starts and answers
    /// `/healthz` even while PostgreSQL is still coming up.
    pub fn new(target: &DatabaseTarget, max_size: u32) -> Self {
        let target = target.clone();
        let mut setup = ManagerConfig::default();
        // Every pooled connection is opened the one way (TLS as `sslmode`
        // says); the manager's own URL is then unused.
        setup.custom_setup = Box::new(move |_url| {
            let target = target.clone();
            Box::pin(async move {
                target
                    .connect()
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
            })
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            "postgres://opened-by-the-target",
            setup,
        );
        let pool = Pool::builder()
            .max_size(max_size)
            .connection_timeout(CONNECTION_TIMEOUT)
            // No `SELECT 1` before every checkout: it was a round trip (and
            // a transaction in PostgreSQL) for each unit of work, several a
            // page. A connection that broke is found by the query that
            // fails on it (an error, answered 503) and dropped when it comes
            // back to the pool; where nothing else would touch the database
            // first, [`Database::ping`] asks.
            .test_on_check_out(false)
            .build_unchecked(manager);
        Self {
            pool,
            schema_ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Marks the schema as migrated (or known current); until then every
    /// [`Database::conn`] answers `Unavailable`.
    pub fn set_schema_ready(&self) {
        AtomicBool::store(&self.schema_ready, true, Ordering::Release);
    }

    pub fn schema_ready(&self) -> bool {
        AtomicBool::load(&self.schema_ready, Ordering::Acquire)
    }

    /// A pooled connection for one unit of work.
    pub async fn conn(&self) -> Result<Conn<'_>, AppError> {
        if !self.schema_ready() {
            return Err(AppError::Unavailable);
        }
        self.pool.get().await.map(Conn::held).map_err(|error| {
            tracing::warn!(%error, "database connection unavailable");
            AppError::Unavailable
        })
    }

    /// How the pool stands now (for a metrics scrape).
    pub fn pool_use(&self) -> crate::backend::metrics::PoolUse {
        let state = self.pool.state();
        crate::backend::metrics::PoolUse {
            open: state.connections,
            idle: state.idle_connections,
            max: self.pool.config().max_size,
        }
    }

    /// True when the schema is current and a round trip to PostgreSQL
    /// succeeds: what `/readyz` reports.
    pub async fn is_ready(&self) -> bool {
        self.ping().await.is_ok()
    }

    /// One round trip to PostgreSQL: `Unavailable` when it fails.
    pub async fn ping(&self) -> Result<(), AppError> {
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .await
            .map(drop)
            .map_err(|error| {
                tracing::warn!(%error, "database unreachable");
                AppError::Unavailable
            })
    }
}

/// Lets `?` and diesel-async transactions use [`AppError`]; an error that
/// reaches this conversion was not expected, so it is logged as internal.
impl From<diesel::result::Error> for AppError {
    /// `?` on a query's result lands here: the log names the line of that
    /// `?` (which query, which step), since the person is told nothing.
    #[track_caller]
    fn from(error: diesel::result::Error) -> Self {
        internal(error)
    }
}

/// Logs an unexpected database error once, with its detail and where it
/// was met (the caller's file and line), and turns it into the fixed
/// message users see.
#[track_caller]
pub fn internal(error: diesel::result::Error) -> AppError {
    let at = std::panic::Location::caller();
    tracing::error!(%error, at = %at, "database query failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what the log writes.
    #[derive(Clone, Default)]
    struct Logged(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Logged {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The line of the `?` below.
    const FAILING_LINE: u32 = line!() + 3;

    fn step_that_fails() -> Result<(), AppError> {
        Err(diesel::result::Error::NotFound)?;
        Ok(())
    }

    #[test]
    fn a_failed_query_is_logged_with_the_line_that_met_it_and_told_as_internal() {
        let logged = Logged::default();
        let writer = logged.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let answer = tracing::subscriber::with_default(subscriber, step_that_fails);
        assert_eq!(answer, Err(AppError::Internal));
        let text = String::from_utf8(logged.0.lock().expect("log buffer").clone()).expect("utf-8");
        let at = format!("{}:{FAILING_LINE}", file!());
        assert!(text.contains(&at), "{at} in {text}");
        assert!(text.contains("Record not found"), "{text}");
    }
}
