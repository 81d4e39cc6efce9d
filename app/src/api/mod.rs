//! Server functions, one file per area. Each is thin: who is asking, may
//! they, do it, return a model. Errors are [`AppError`](crate::error::AppError)s;
//! the server's middleware gives each its HTTP status (`AppError::status`).

pub mod auth;
pub mod people;
pub mod practice;
pub mod security;
pub mod session;

pub use auth::{GetVisitor, SignIn, SignOut};
pub use people::{AcceptInvitation, AccountAction, InvitePerson};
pub use practice::GetPracticeInfo;
pub use security::{
    ChangePassword, DismissSecurityNotices, EndMySession, ListMySessions, SignOutEverywhere,
};
pub use session::{ExtendSession, GetSessionStatus};

#[cfg(feature = "ssr")]
pub(crate) use server::{client, note_sign_in, session, signed_in, state};

/// Every state-changing server function takes the session's CSRF token as
/// `csrf_token` (forms send it as a hidden field). The server's edge has
/// already compared it with the session's before the function runs
/// (`server/src/http/csrf.rs`), so the function itself ignores it.
#[cfg(feature = "ssr")]
pub(crate) fn checked_at_the_edge(_csrf_token: String) {}

#[cfg(feature = "ssr")]
mod server {
    use crate::{
        backend::{
            AppState,
            client::ClientInfo,
            session::{self as sessions, SignedIn},
        },
        error::AppError,
    };
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    /// The application state provided to every route and server function.
    pub(crate) fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from server function context");
            AppError::Internal
        })
    }

    /// This request's session (the session layer always provides one).
    pub(crate) async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|error| {
            tracing::error!(%error, "no session on the request");
            AppError::Internal
        })
    }

    /// The signed-in person, or `Unauthenticated`. Every server function
    /// that needs a person starts here.
    pub(crate) async fn signed_in() -> Result<(Session, SignedIn), AppError> {
        let session = session().await?;
        let who = sessions::current(&session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((session, who))
    }

    /// Records a sign-in as a security event. The person is already signed
    /// in; a failure here is logged, not shown.
    pub(crate) async fn note_sign_in(
        conn: &mut diesel_async::AsyncPgConnection,
        user_id: uuid::Uuid,
        client: &ClientInfo,
    ) {
        if let Err(error) =
            crate::backend::security_events::record_sign_in(conn, user_id, client).await
        {
            tracing::warn!(%error, "could not record a sign-in event");
        }
    }

    /// The client's address and user agent, as the middleware found them.
    pub(crate) async fn client() -> ClientInfo {
        leptos_axum::extract::<axum::Extension<ClientInfo>>()
            .await
            .map(|axum::Extension(info)| info)
            .unwrap_or_default()
    }
}
