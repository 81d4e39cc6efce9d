//! The session's CSRF token (synchronizer pattern). Every session, signed in
//! or not, has one; pages put it in their forms as `csrf_token`, and the
//! server's edge refuses any state change that does not carry it. It is
//! replaced at sign-in, so a token seen before signing in is worthless after.

use super::store_error;
use crate::{backend::secret, error::AppError};
use tower_sessions::Session;

/// The session's token as the server found it before rendering a page (a
/// request extension), so forms can carry it without waiting for anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken(pub String);

/// Session data key holding the token.
const CSRF_KEY: &str = "csrf";

/// This session's token, created on first use (which starts a session for
/// a visitor who has none yet).
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(store_error)? {
        return Ok(token);
    }
    renew(session).await
}

/// Replaces the token (at sign-in); answers the new one.
pub async fn renew(session: &Session) -> Result<String, AppError> {
    let token = secret::random_token();
    session
        .insert(CSRF_KEY, token.clone())
        .await
        .map_err(store_error)?;
    Ok(token)
}

/// Whether `presented` is this session's token. A session without one
/// (none, or ended) matches nothing.
pub async fn matches(session: &Session, presented: &str) -> Result<bool, AppError> {
    let stored = session.get::<String>(CSRF_KEY).await.map_err(store_error)?;
    Ok(stored.is_some_and(|stored| secret::same(&stored, presented)))
}
