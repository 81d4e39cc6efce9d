//! A scratch database for a benchmark: created fresh on the test server
//! (`CAIRN_TEST_DATABASE_URL`, default the local PostgreSQL), migrated, and
//! dropped afterwards whatever happened.

use app::backend::db::{DatabaseTarget, migrate};
use diesel::sql_query;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::future::Future;
use uuid::Uuid;

pub async fn with_database<F, Fut>(run: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    let admin_url = std::env::var("CAIRN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("cairn_bench_{}", Uuid::new_v4().simple());
    let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
    let url = format!("{server}/{name}");
    let mut admin = connect(&admin_url).await.expect("connect");
    sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let result = match migrate::run_pending(&target(&url)).await {
        Ok(_) => run(url).await,
        Err(error) => Err(error.into()),
    };
    sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    result.expect("benchmark");
}

/// `url` read as Cairn reads `DATABASE_URL`.
pub fn target(url: &str) -> DatabaseTarget {
    DatabaseTarget::new(url, None).expect("a usable database URL")
}

/// One connection, opened the way Cairn opens every connection.
pub async fn connect(url: &str) -> Result<AsyncPgConnection, app::backend::db::ConnectError> {
    target(url).connect().await
}
