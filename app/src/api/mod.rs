//! Server functions, one file per area. Each is thin: who is asking, may
//! they, do it, return a model. Errors are [`AppError`](crate::error::AppError)s;
//! the server's middleware gives each its HTTP status (`AppError::status`).

pub mod auth;
pub mod practice;

pub use auth::SignIn;
pub use practice::GetPracticeInfo;

/// The application state provided to every route and server function.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::backend::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::backend::AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from server function context");
        crate::error::AppError::Internal
    })
}
