//! Signing in and out, and who is signed in.

use crate::{error::AppError, model::Visitor};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// Checks an email and password and, when they match, starts a signed-in
/// session and sends the person to their home page. Answers the same for an
/// unknown account, a wrong password and an account that may not sign in.
#[server(prefix = "/api", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String, csrf_token: String) -> Result<(), AppError> {
    use crate::backend::identity::accounts;
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let client = super::client().await;
    state.throttles.sensitive(
        &client.throttle_key(),
        &format!("account:{}", email.trim().to_lowercase()),
    )?;
    let account = accounts::authenticate(
        &state.db,
        &state.passwords,
        &state.vault,
        state.sign_in,
        &email,
        password,
        &client,
    )
    .await?;
    let next = super::after_password(&state, &current, &account, &client).await?;
    leptos_axum::redirect(next);
    Ok(())
}

/// Ends this session and returns to the sign-in page.
#[server(prefix = "/api", endpoint = "sign-out")]
pub async fn sign_out(csrf_token: String) -> Result<(), AppError> {
    super::checked_at_the_edge(csrf_token);
    let session = super::session().await?;
    end_current(&session, "/sign-in?reason=signed-out").await
}

/// Deletes this session and sends the browser to `then`; a signed-in one
/// is recorded as signed out. Signing out is never refused: when the trail
/// cannot be written, the failure is logged and the session ends anyway.
#[cfg(feature = "ssr")]
pub(crate) async fn end_current(
    session: &tower_sessions::Session,
    then: &str,
) -> Result<(), AppError> {
    use crate::{backend::audit, model::audit::AuditAction};
    if let Ok(Some(who)) = crate::backend::identity::session::current(session).await {
        tracing::info!(user.id = %who.user_id, "signed out");
        let client = super::client().await;
        let state = super::state()?;
        let recorded = match state.db.conn().await {
            Ok(mut conn) => audit::record(
                &mut conn,
                super::event(&who, AuditAction::SignedOut, &client),
            )
            .await
            .map(drop),
            Err(error) => Err(error),
        };
        if let Err(error) = recorded {
            tracing::error!(%error, "could not record a sign-out in the audit trail");
        }
    }
    session.delete().await.map_err(|error| {
        tracing::warn!(%error, "could not delete session");
        AppError::Unavailable
    })?;
    leptos_axum::redirect(then);
    Ok(())
}

/// The signed-in person (or nobody) and the session's CSRF token. A GET:
/// it changes nothing a person could notice (at most it starts an anonymous
/// session to hold the token).
#[server(prefix = "/api", endpoint = "visitor", input = GetUrl)]
pub async fn get_visitor() -> Result<Visitor, AppError> {
    use crate::backend::identity::{accounts, session};
    let current = super::session().await?;
    // A visitor's first page starts a session to hold the token, written
    // when the response goes out; while the database is down, say so now
    // (503) rather than fail then. (A session that exists is read from the
    // database below, which answers the same.)
    if current.id().is_none() {
        super::state()?.db.ping().await?;
    }
    // The session's row holds ids only; the store read the name with it.
    let user = match session::current(&current).await? {
        Some(who) => {
            let display_name = match session::account_name(&current).await? {
                Some(name) => name,
                None => {
                    let state = super::state()?;
                    let mut conn = state.db.conn().await?;
                    accounts::display_name(&mut conn, &state.vault, who.user_id).await?
                }
            };
            Some(crate::model::CurrentUser {
                display_name,
                role: who.role,
                must_enroll: who.must_enroll,
            })
        }
        None => None,
    };
    let csrf_token = session::csrf::token(&current).await?;
    Ok(Visitor { user, csrf_token })
}
