//! A person's own security: their sessions and their password.

use crate::{
    error::AppError,
    model::{SecurityEvent, SessionSummary},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// The signed-in person's live sessions, this one marked.
#[server(prefix = "/api", endpoint = "my-sessions", input = GetUrl)]
pub async fn list_my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    use crate::backend::{client::id_hash, identity::session::mine};
    let (session, who) = super::signed_in().await?;
    let current = session.id().map(|id| id_hash(&id)).unwrap_or_default();
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    Ok(mine::list(&mut conn, who.user_id, &current).await?)
}

/// Ends one of the person's sessions (another device). Ending this one is
/// signing out. A session already gone is not an error: it has ended.
#[server(prefix = "/api", endpoint = "end-session")]
pub async fn end_my_session(handle: String, csrf_token: String) -> Result<(), AppError> {
    use crate::{
        backend::{
            audit::{self, Details},
            identity::session::mine,
        },
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (session, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let is_current = mine::list(&mut conn, who.user_id, &current_key(&session))
        .await?
        .iter()
        .any(|s| s.current && s.handle == handle);
    if is_current {
        return super::auth::end_current(&session, "/sign-in?reason=signed-out").await;
    }
    if mine::end_one(&mut conn, who.user_id, &handle).await? {
        tracing::info!(user.id = %who.user_id, "ended one of their other sessions");
        let client = super::client().await;
        let event = super::event(&who, AuditAction::SessionEnded, &client)
            .details(Details::new().with("sessions", 1_i64));
        audit::record(&mut conn, event).await?;
    }
    Ok(())
}

/// Ends every session of the person, this one included.
#[server(prefix = "/api", endpoint = "sign-out-everywhere")]
pub async fn sign_out_everywhere(csrf_token: String) -> Result<(), AppError> {
    use crate::{
        backend::{
            audit::{self, Details},
            identity::session::mine,
        },
        model::audit::AuditAction,
    };
    super::checked_at_the_edge(csrf_token);
    let (session, who) = super::signed_in().await?;
    let state = super::state()?;
    let client = super::client().await;
    {
        // Let go before the session ends (its store takes its own).
        let mut conn = state.db.conn().await?;
        let ended = mine::end_all(&mut conn, who.user_id, Some(&current_key(&session))).await?;
        tracing::info!(user.id = %who.user_id, ended, "signed out everywhere");
        if ended > 0 {
            let others = i64::try_from(ended).unwrap_or(i64::MAX);
            let event = super::event(&who, AuditAction::SessionEnded, &client)
                .details(Details::new().with("sessions", others));
            audit::record(&mut conn, event).await?;
        }
    }
    super::auth::end_current(&session, "/sign-in?reason=everywhere").await
}

/// Changes the person's password (the current one is required) and ends
/// every other session of theirs; this one continues under a new id.
#[server(prefix = "/api", endpoint = "change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    csrf_token: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::accounts, identity::session::mine};
    super::checked_at_the_edge(csrf_token);
    let (session, who) = super::signed_in().await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    accounts::change_password(
        &state.db,
        &state.passwords,
        &state.vault,
        state.sign_in,
        who.user_id,
        accounts::PasswordChange {
            current: current_password,
            new: new_password,
        },
        &client,
    )
    .await?;
    // Its own connection, let go before the session id changes (its store
    // takes one of its own).
    let ended = mine::end_all(
        &mut *state.db.conn().await?,
        who.user_id,
        Some(&current_key(&session)),
    )
    .await?;
    tracing::info!(user.id = %who.user_id, ended, "other sessions ended after a password change");
    session.cycle_id().await.map_err(|error| {
        tracing::warn!(%error, "could not cycle the session id");
        AppError::Unavailable
    })?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn current_key(session: &tower_sessions::Session) -> Vec<u8> {
    session
        .id()
        .map(|id| crate::backend::client::id_hash(&id))
        .unwrap_or_default()
}

/// Security notices the person has not dismissed (new device, password
/// changed, lockout), newest first.
#[server(prefix = "/api", endpoint = "security-notices", input = GetUrl)]
pub async fn get_security_notices() -> Result<Vec<SecurityEvent>, AppError> {
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    Ok(crate::backend::identity::security_events::notices(&mut conn, who.user_id).await?)
}

/// The person's recent security activity, newest first.
#[server(prefix = "/api", endpoint = "security-events", input = GetUrl)]
pub async fn list_security_events() -> Result<Vec<SecurityEvent>, AppError> {
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    Ok(crate::backend::identity::security_events::recent(&mut conn, who.user_id).await?)
}

/// "Got it": dismisses every notice.
#[server(prefix = "/api", endpoint = "dismiss-security-notices")]
pub async fn dismiss_security_notices(csrf_token: String) -> Result<(), AppError> {
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    crate::backend::identity::security_events::dismiss_all(&mut conn, who.user_id).await?;
    Ok(())
}
