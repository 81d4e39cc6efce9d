//! What every request handler and server function can reach.

use super::{db::Database, password::Passwords};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// Shared, cheaply cloned application state. Server functions get it with
/// `expect_context::<AppState>()` (see `api::state`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub passwords: Passwords,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
