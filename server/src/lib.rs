//! The `cairn` server: configuration, the HTTP stack and the command line.
//! The domain lives in the `app` crate; this crate is glue.

pub mod cli;
pub mod config;
pub mod export;
pub mod http;
pub mod serve;
pub mod telemetry;
