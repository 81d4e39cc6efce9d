//! Server functions, one file per area. Each is thin: who is asking, may
//! they, do it, return a model. Errors are [`AppError`]s; [`respond`] gives
//! them their HTTP status.

pub mod auth;
pub mod practice;

pub use auth::SignIn;
pub use practice::GetPracticeInfo;

#[cfg(feature = "ssr")]
pub(crate) use server::{respond, state};

#[cfg(feature = "ssr")]
mod server {
    use crate::{backend::AppState, error::AppError};
    use http::{StatusCode, header::ACCEPT, request::Parts};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    /// The application state provided to every route and server function.
    pub(crate) fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from server function context");
            AppError::Internal
        })
    }

    /// Sets the response status for an error when a server function is
    /// called over HTTP by the hydrated app. A plain HTML form post (no
    /// JavaScript yet) keeps the 302 back to the form, which shows the error;
    /// and during server rendering the page decides its own status.
    pub(crate) fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(error) = &result {
            let called_over_http = use_context::<Parts>().is_some_and(|parts| {
                let html_form = parts
                    .headers
                    .get(ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"));
                parts.uri.path().starts_with("/api/") && !html_form
            });
            if called_over_http && let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(
                    StatusCode::from_u16(error.status())
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        }
        result
    }
}
