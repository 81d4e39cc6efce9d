//! A scratch database for a benchmark: created fresh on the test server
//! (`CAIRN_TEST_DATABASE_URL`, default the local PostgreSQL), migrated, and
//! dropped afterwards whatever happened.

use app::backend::db::migrate;
use diesel::sql_query;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
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
    let mut admin = AsyncPgConnection::establish(&admin_url)
        .await
        .expect("connect");
    sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let result = match migrate::run_pending(&url).await {
        Ok(_) => run(url).await,
        Err(error) => Err(error.into()),
    };
    sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    result.expect("benchmark");
}
