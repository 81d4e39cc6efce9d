//! The signed-in session's own state: how long it has left, and keeping it.

use crate::{error::AppError, model::SessionStatus};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// How long this session has left. The server does not count this call as
/// activity (see the server's `is_passive`), so polling it never keeps an
/// unattended session alive.
#[server(prefix = "/api", endpoint = "session-status", input = GetUrl)]
pub async fn get_session_status() -> Result<SessionStatus, AppError> {
    let (session, _) = super::signed_in_allowing_setup().await?;
    status_of(&session).await
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
    use crate::backend::session::{activity, id_hash};
    let id = session.id().ok_or(AppError::Unauthenticated)?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let (expires_at, idle) = activity::deadline(&mut conn, &id_hash(&id))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(SessionStatus {
        expires_in_secs: (expires_at - time::OffsetDateTime::now_utc())
            .whole_seconds()
            .max(0),
        idle_timeout_secs: i64::from(idle),
        warn_before_secs: i64::try_from(state.sessions.warn_before.as_secs()).unwrap_or(120),
    })
}
