//! An isolated database per test, cloned from a migrated template so tests
//! run in parallel and never see each other's rows. Dropped afterwards.
//!
//! Two roles, as in production: the tables belong to the server's admin
//! role (the owner, which migrates), and tests and the app under test
//! connect as `cairn_app`, the application's role. A test that must do
//! what the application cannot (tamper with the trail, age a row, drop a
//! key) asks for [`TestDb::owner_conn`] and says why.

use app::backend::db::{ConnectError, DatabaseTarget, migrate};
use diesel::sql_query;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
};

/// The server to create test databases on (any database on it; we connect
/// to it only to CREATE and DROP). `scripts/dev test` sets it.
pub fn admin_url() -> String {
    std::env::var("CAIRN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `admin_url` with its database name replaced.
pub fn url_for(database: &str) -> String {
    let admin = admin_url();
    let (server, _) = admin
        .rsplit_once('/')
        .expect("CAIRN_TEST_DATABASE_URL names a database");
    let (_, query) = admin.split_once('?').map_or(("", ""), |(a, q)| (a, q));
    if query.is_empty() {
        format!("{server}/{database}")
    } else {
        format!("{server}/{database}?{query}")
    }
}

/// The application role's password on the test server: the development-only
/// value scripts/dev gives it too (the role can do nothing but what the
/// migrations grant it).
const APP_ROLE_PASSWORD: &str = "cairn-app-dev-only";

/// `url_for(database)` as the application's role.
pub fn app_url_for(database: &str) -> String {
    let owner = url_for(database);
    let (scheme, rest) = owner.split_once("://").expect("a URL");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://cairn_app:{APP_ROLE_PASSWORD}@{host}")
}

/// `url` as Cairn would read it from `DATABASE_URL` (no CA file).
pub fn target(url: &str) -> DatabaseTarget {
    DatabaseTarget::new(url, None).expect("a usable test database URL")
}

/// One connection, opened the way Cairn opens every connection.
pub async fn connect(url: &str) -> Result<AsyncPgConnection, ConnectError> {
    target(url).connect().await
}

pub struct TestDb {
    pub name: String,
    /// As the application's role (`DATABASE_URL`).
    pub url: String,
    /// As the tables' owner (`CAIRN_MIGRATION_DATABASE_URL`).
    pub owner_url: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template().await;
        let name = format!("cairn_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect_admin().await;
        sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .await
            .expect("create test database from template");
        Self {
            url: app_url_for(&name),
            owner_url: url_for(&name),
            name,
        }
    }

    /// A connection as the application's role.
    pub async fn conn(&self) -> AsyncPgConnection {
        connect(&self.url).await.expect("connect to test database")
    }

    /// A connection as the tables' owner, for what the application may
    /// not do.
    pub async fn owner_conn(&self) -> AsyncPgConnection {
        connect(&self.owner_url)
            .await
            .expect("connect to test database as its owner")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside any runtime we may use; give it its own.
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut admin = connect(&admin_url()).await?;
                sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

async fn connect_admin() -> AsyncPgConnection {
    connect(&admin_url())
        .await
        .expect("connect to PostgreSQL for tests (set CAIRN_TEST_DATABASE_URL)")
}

/// The migrated template's name: it changes whenever a migration file does,
/// so a stale template is never used. Built once per machine, under an
/// advisory lock so parallel test processes do not race.
async fn template() -> String {
    let name = format!("cairn_template_{:016x}", migrations_fingerprint());
    let mut admin = connect_admin().await;
    sql_query("SELECT pg_advisory_lock(4242001)")
        .execute(&mut admin)
        .await
        .expect("lock");
    if !database_exists(&mut admin, &name).await {
        let building = format!("{name}_building");
        sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .expect("drop stale template build");
        sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut admin)
            .await
            .expect("create template");
        migrate::run_pending(&target(&url_for(&building)))
            .await
            .expect("migrate template");
        sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut admin)
            .await
            .expect("publish template");
    }
    // The migrations made the role (roles belong to the whole server); the
    // tests sign in as it. Set each time: cheap, and a server whose role
    // predates this keeps working.
    sql_query(format!(
        "ALTER ROLE cairn_app LOGIN PASSWORD '{APP_ROLE_PASSWORD}'"
    ))
    .execute(&mut admin)
    .await
    .expect("let the application's role sign in");
    sql_query("SELECT pg_advisory_unlock(4242001)")
        .execute(&mut admin)
        .await
        .expect("unlock");
    name
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count = sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(conn)
        .await
        .expect("query pg_database");
    count.n > 0
}

fn migrations_fingerprint() -> u64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(&dir).unwrap_or(&file).hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// How many statements prepared on `conn` contain `part`: a statement kept
/// prepared stays on its connection; one prepared per call is closed again.
pub async fn prepared_with(conn: &mut AsyncPgConnection, part: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%'",
    )
    .bind::<diesel::sql_types::Text, _>(part)
    .get_result::<Count>(conn)
    .await
    .expect("database")
    .n
}

/// The rows `sql` answers, each as the text of its one column `row`: how
/// tests read rows back as PostgreSQL prints them, to search them.
pub async fn rows_as_text(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    sql_query(sql)
        .load::<Row>(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .into_iter()
        .map(|r| r.row)
        .collect()
}
