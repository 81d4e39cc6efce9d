//! Signing in and out, and who is signed in.

use crate::{error::AppError, model::CurrentUser};
use leptos::prelude::*;

/// Checks an email and password and, when they match, starts a signed-in
/// session and sends the person to their home page. Answers the same for an
/// unknown account, a wrong password and an account that may not sign in.
#[server(prefix = "/api", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::backend::{accounts, session};
    let state = super::state()?;
    let current = super::session().await?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let account =
        accounts::authenticate(&mut conn, &state.passwords, state.sign_in, &email, password)
            .await?;
    session::begin(&current, &state.sessions, &account, &client).await?;
    tracing::info!(user.id = %account.id, "signed in");
    leptos_axum::redirect("/home");
    Ok(())
}

/// Ends this session and returns to the sign-in page.
#[server(prefix = "/api", endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = super::session().await?;
    if let Ok(Some(who)) = crate::backend::session::current(&session).await {
        tracing::info!(user.id = %who.user_id, "signed out");
    }
    session.delete().await.map_err(|error| {
        tracing::warn!(%error, "could not delete session");
        AppError::Unavailable
    })?;
    leptos_axum::redirect("/sign-in?reason=signed-out");
    Ok(())
}

/// The signed-in person, or `None`.
#[server(prefix = "/api", endpoint = "current-user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = super::session().await?;
    let who = crate::backend::session::current(&session).await?;
    Ok(who.map(|who| CurrentUser {
        display_name: who.display_name,
        role: who.role,
    }))
}
