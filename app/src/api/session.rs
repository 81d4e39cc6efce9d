//! The signed-in session's own state: how long it has left, and keeping it.

use crate::{error::AppError, model::SessionStatus};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// How long this session has left. This call is not activity (it reads the
/// deadline without loading the session), so polling it never keeps an
/// unattended session alive.
#[server(prefix = "/api", endpoint = "session-status", input = GetUrl)]
pub async fn get_session_status() -> Result<SessionStatus, AppError> {
    // The session is not loaded: loading it is activity, and polling this
    // must not keep a session alive. The deadline is only a signed-in
    // session's.
    status_of(&super::session().await?).await
}

/// "Stay signed in": a real request, so the idle deadline has already moved
/// when this runs; answers the new status.
#[server(prefix = "/api", endpoint = "extend-session")]
pub async fn extend_session(csrf_token: String) -> Result<SessionStatus, AppError> {
    super::checked_at_the_edge(csrf_token);
    let (session, _) = super::signed_in_allowing_setup().await?;
    status_of(&session).await
}

#[cfg(feature = "ssr")]
async fn status_of(session: &tower_sessions::Session) -> Result<SessionStatus, AppError> {
    use crate::backend::{client::id_hash, identity::session::activity};
    let id = session.id().ok_or(AppError::Unauthenticated)?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let deadline = activity::deadline(&mut conn, &id_hash(&id))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    Ok(SessionStatus {
        expires_in_secs: (deadline.expires_at - time::OffsetDateTime::now_utc())
            .whole_seconds()
            .max(0),
        idle_timeout_secs: i64::from(deadline.idle_timeout_secs),
        warn_before_secs: secs(state.sessions.warn_before),
        at_limit: deadline.at_limit(),
        lifetime_secs: secs(state.sessions.absolute),
    })
}
