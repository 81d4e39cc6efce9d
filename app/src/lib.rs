//! Cairn's Leptos app, shared by the server and the browser build.
//!
//! - [`model`]: serde types that cross the wire, and validation both sides run.
//! - [`error`]: the one error type every server function returns.
//! - [`api`]: `#[server]` functions, thin: who is asking -> may they -> do it -> return a model.
//! - [`ui`]: pages and components.
//! - `backend` (server only, `ssr`): database, passwords, seeding.

#![recursion_limit = "256"]

pub mod api;
pub mod error;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use ui::{App, shell};
