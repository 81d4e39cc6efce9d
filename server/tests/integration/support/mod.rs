//! Test support: a fresh PostgreSQL database per test, and the real router
//! driven in-process.

pub mod app;
pub mod authenticator;
pub mod cluster;
pub mod db;
pub mod records;

pub use app::TestApp;
pub use db::TestDb;
