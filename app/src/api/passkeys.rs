//! Passkeys: adding and removing them on the Security page, and using one
//! to sign in (alone, or as the second step after a password) and to
//! confirm a sensitive action (step-up).
//!
//! Each ceremony is two calls: `*-begin` answers the challenge the browser
//! hands to its authenticator, and keeps the ceremony in the session;
//! `*-finish` takes it back (once) with the authenticator's reply, as JSON
//! in the library's wire format. The challenge travels as that JSON's text
//! too, so the browser's bundle needs none of the library's types: it
//! turns the text into the Credential Management API's options itself.

use crate::{
    error::AppError,
    model::{PasskeyOverview, RecoveryCodes},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// The person's passkeys, and whether their role must use one.
#[server(prefix = "/api", endpoint = "passkeys", input = GetUrl)]
pub async fn get_passkeys() -> Result<PasskeyOverview, AppError> {
    use crate::backend::identity::passkeys;
    let (_, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    Ok(PasskeyOverview {
        available: state.passkeys.available(),
        required: state.passkeys.required_for(who.role),
        passkeys: passkeys::list(&mut conn, who.user_id).await?,
    })
}

/// Begins adding a passkey called `name`. Needs step-up, except for
/// someone just signed in who must add one before anything else.
#[server(prefix = "/api", endpoint = "passkey-add-begin")]
pub async fn begin_adding_passkey(name: String, csrf_token: String) -> Result<String, AppError> {
    use crate::backend::identity::{accounts, authz::Sensitive, passkeys::ceremony};
    super::checked_at_the_edge(csrf_token);
    let (current, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    if !who.must_enroll {
        super::fresh_factor(&state, &who, Sensitive::AddPasskey)?;
    }
    let mut conn = state.db.conn().await?;
    let account = accounts::email(&mut conn, &state.vault, who.user_id).await?;
    let (challenge, begun) =
        ceremony::begin_registration(&mut conn, &state.passkeys, who.user_id, &account, &name)
            .await?;
    drop(conn);
    keep(&current, begun).await?;
    as_text(&challenge)
}

/// Finishes adding a passkey. The session continues under a new id with a
/// second factor proven (the passkey just verified its owner), no longer
/// held at the setup. Answers the new CSRF token and, for someone who had
/// no recovery codes, their first ones (shown this once).
#[server(prefix = "/api", endpoint = "passkey-add-finish")]
pub async fn finish_adding_passkey(
    credential: String,
    csrf_token: String,
) -> Result<(String, Option<RecoveryCodes>), AppError> {
    use crate::backend::identity::{mfa, passkeys::ceremony, session};
    super::checked_at_the_edge(csrf_token);
    let (current, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    let client = super::client().await;
    let begun = take(&current).await?;
    ceremony::finish_registration(
        &mut *state.db.conn().await?,
        &state.passkeys,
        (who.user_id, who.organization_id),
        begun,
        &credential,
        &client,
    )
    .await?;
    let codes = mfa::first_recovery_codes(&state.db, &state.passwords, who.user_id).await?;
    let token = super::mfa::proven_now(
        &current,
        session::SignedIn {
            must_enroll: false,
            ..who
        },
    )
    .await?;
    Ok((token, codes.map(RecoveryCodes)))
}

/// Removes one of the person's passkeys. Needs step-up; the last one of
/// someone whose role must use a passkey stays.
#[server(prefix = "/api", endpoint = "passkey-remove")]
pub async fn remove_passkey(id: uuid::Uuid, csrf_token: String) -> Result<(), AppError> {
    use crate::backend::identity::{authz::Sensitive, passkeys};
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let fresh = super::fresh_factor(&state, &who, Sensitive::RemovePasskey)?;
    let client = super::client().await;
    let keep_one = state.passkeys.required_for(who.role);
    passkeys::remove(&mut *state.db.conn().await?, fresh, id, keep_one, &client).await
}

/// Begins a sign-in with a passkey alone (no email typed).
#[server(prefix = "/api", endpoint = "passkey-sign-in-begin")]
pub async fn begin_passkey_sign_in(csrf_token: String) -> Result<String, AppError> {
    use crate::backend::identity::passkeys::ceremony;
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let (challenge, begun) = ceremony::begin_sign_in(&state.passkeys)?;
    keep(&current, begun).await?;
    as_text(&challenge)
}

/// Begins proving the person with a passkey: the second step of a sign-in
/// whose password was right, or step-up in a signed-in session.
#[server(prefix = "/api", endpoint = "passkey-confirm-begin")]
pub async fn begin_passkey_confirm(csrf_token: String) -> Result<String, AppError> {
    use crate::backend::identity::passkeys::ceremony;
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let user_id = whom_to_confirm(&current).await?;
    let (challenge, begun) =
        ceremony::begin_confirm(&mut *state.db.conn().await?, &state.passkeys, user_id).await?;
    keep(&current, begun).await?;
    as_text(&challenge)
}

/// Finishes a passkey ceremony begun by [`begin_passkey_sign_in`] or
/// [`begin_passkey_confirm`]: signs the person in (a passkey with user
/// verification is both factors), or, in a signed-in session, records a
/// fresh confirmation. Answers the session's new CSRF token.
#[server(prefix = "/api", endpoint = "passkey-finish")]
pub async fn finish_passkey(credential: String, csrf_token: String) -> Result<String, AppError> {
    use crate::backend::identity::{accounts, passkeys::ceremony, session};
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let client = super::client().await;
    state
        .throttles
        .sensitive(&client.throttle_key(), "passkey")?;
    let begun = take(&current).await?;
    let signed_in = session::current(&current).await?;
    let user_id = ceremony::finish(
        &mut *state.db.conn().await?,
        &state.passkeys,
        begun,
        &credential,
        &client,
    )
    .await?;
    if let Some(who) = signed_in.filter(|who| who.user_id == user_id) {
        return super::mfa::proven_now(&current, who).await;
    }
    let account = accounts::active(&mut *state.db.conn().await?, user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    super::after_second_factor(&state, &current, &account, &client, true).await?;
    session::csrf::token(&current).await
}

/// Whom a confirmation is for: the signed-in person, or the one whose
/// password was just right.
#[cfg(feature = "ssr")]
async fn whom_to_confirm(current: &tower_sessions::Session) -> Result<uuid::Uuid, AppError> {
    use crate::backend::identity::session;
    if let Some(who) = session::current(current).await? {
        return Ok(who.user_id);
    }
    match session::pending(current).await? {
        Some(pending) => Ok(pending.user_id),
        None => Err(AppError::Unauthenticated),
    }
}

/// A challenge as the JSON text the browser reads.
#[cfg(feature = "ssr")]
fn as_text(challenge: &impl serde::Serialize) -> Result<String, AppError> {
    serde_json::to_string(challenge).map_err(|_| AppError::Internal)
}

/// Where a begun ceremony waits for its second half.
#[cfg(feature = "ssr")]
const CEREMONY_KEY: &str = "passkey_ceremony";

/// How long a begun ceremony waits (the browser's prompt times out first).
#[cfg(feature = "ssr")]
const CEREMONY_SECS: i64 = 5 * 60;

#[cfg(feature = "ssr")]
async fn keep(
    current: &tower_sessions::Session,
    begun: crate::backend::identity::passkeys::ceremony::Ceremony,
) -> Result<(), AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    current
        .insert(CEREMONY_KEY, (now, begun))
        .await
        .map_err(crate::backend::identity::session::store_error)
}

/// The ceremony begun in this session, taken out of it: its challenge is
/// answered once. None, or one begun too long ago, is a bad request.
#[cfg(feature = "ssr")]
async fn take(
    current: &tower_sessions::Session,
) -> Result<crate::backend::identity::passkeys::ceremony::Ceremony, AppError> {
    use crate::backend::identity::passkeys::ceremony::Ceremony;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match current
        .remove::<(i64, Ceremony)>(CEREMONY_KEY)
        .await
        .map_err(crate::backend::identity::session::store_error)?
    {
        Some((begun_at, ceremony)) if now - begun_at <= CEREMONY_SECS => Ok(ceremony),
        _ => Err(AppError::BadRequest),
    }
}
