//! Signing in.

use crate::{error::AppError, model::SignedIn};
use leptos::prelude::*;

/// Checks an email and password against the accounts in the database.
/// Answers the same for an unknown account, a wrong password and an account
/// that may not sign in.
#[server(prefix = "/api", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String) -> Result<SignedIn, AppError> {
    use crate::backend::accounts;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let account = accounts::authenticate(&mut conn, &state.passwords, &email, password).await?;
    tracing::info!(user.id = %account.id, "credentials verified");
    Ok(SignedIn {
        display_name: account.display_name,
        role: account.role,
    })
}
