//! The two halves of each WebAuthn ceremony. The first answers a challenge
//! for the browser and a [`Ceremony`] the session keeps; the second takes
//! that ceremony back (once: a challenge is never answered twice) with the
//! browser's reply, and decides.
//!
//! Whose a credential is, is this module's question: a credential is found
//! by its id, and must be the account the ceremony is for (the account the
//! authenticator names, when signing in without an email; the signed-in or
//! half-signed-in person otherwise). A credential of another account, and
//! so of another practice, is refused and recorded, as are a bad signature
//! and a counter gone backwards (a cloned authenticator).

use super::{PasskeyPolicy, credentials_of, parse};
use crate::backend::{
    audit::{self, Actor, Event, Origin},
    client::ClientInfo,
    db::schema::passkeys,
    identity::security_events,
};
use crate::{
    error::{AppError, FieldErrors},
    model::{SecurityEventKind, audit::AuditAction, audit::AuditOutcome, passkey::NAME_MAX},
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};
use webauthn_rs_proto::{AuthenticatorSelectionCriteria, ResidentKeyRequirement};

/// A ceremony begun and not yet finished, kept in the session between its
/// two requests (the session lives in PostgreSQL, so either half may reach
/// any instance).
#[derive(Serialize, Deserialize)]
pub enum Ceremony {
    /// Adding a passkey to the signed-in person's account.
    Register {
        name: String,
        state: PasskeyRegistration,
    },
    /// Signing in with no email typed: the authenticator says whose.
    SignIn { state: DiscoverableAuthentication },
    /// Proving a known person: the second step of a sign-in, or step-up.
    Confirm {
        user_id: Uuid,
        state: PasskeyAuthentication,
    },
}

fn refused(message: &str) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add("passkey", message);
    AppError::Invalid(errors)
}

/// What the browser sent, read as the library's wire type.
fn reply<T: serde::de::DeserializeOwned>(credential: &str) -> Result<T, AppError> {
    serde_json::from_str(credential)
        .map_err(|_| refused("Your browser's answer could not be read. Please try again."))
}

/// Begins adding a passkey named `name` (checked here, so a bad name is
/// refused before the browser asks for a fingerprint) for `user_id`, whose
/// account is `account` (what the authenticator will show). Credentials
/// the person already has are excluded, so one device is not added twice.
pub async fn begin_registration(
    conn: &mut AsyncPgConnection,
    policy: &PasskeyPolicy,
    user_id: Uuid,
    account: &str,
    name: &str,
) -> Result<(CreationChallengeResponse, Ceremony), AppError> {
    let webauthn = policy.webauthn()?;
    let mut errors = FieldErrors::new();
    let name = crate::model::validate::check_line(
        &mut errors,
        "name",
        name,
        NAME_MAX,
        "Give the passkey a name you will recognise, such as the device it is on.",
    );
    errors.into_result()?;
    let existing = credentials_of(conn, user_id)
        .await?
        .iter()
        .map(|passkey| passkey.cred_id().clone())
        .collect::<Vec<_>>();
    let (mut challenge, state) = webauthn
        .start_passkey_registration(user_id, account, account, Some(existing))
        .map_err(|error| {
            tracing::error!(%error, "could not begin a passkey registration");
            AppError::Internal
        })?;
    // A passkey is a discoverable credential: it can name its account, so
    // a patient signs in with it alone, no email typed.
    if let Some(selection) = challenge.public_key.authenticator_selection.as_mut() {
        *selection = AuthenticatorSelectionCriteria {
            resident_key: Some(ResidentKeyRequirement::Required),
            require_resident_key: true,
            ..selection.clone()
        };
    }
    Ok((challenge, Ceremony::Register { name, state }))
}

/// Finishes adding a passkey: the library checks the browser's reply
/// against the challenge (origin, user verification); the credential is
/// kept for `user_id` of `organization_id`. Answers its id.
pub async fn finish_registration(
    conn: &mut AsyncPgConnection,
    policy: &PasskeyPolicy,
    (user_id, organization_id): (Uuid, Uuid),
    ceremony: Ceremony,
    credential: &str,
    client: &ClientInfo,
) -> Result<Uuid, AppError> {
    let webauthn = policy.webauthn()?;
    let Ceremony::Register { name, state } = ceremony else {
        return Err(AppError::BadRequest);
    };
    let credential: RegisterPublicKeyCredential = reply(credential)?;
    let passkey = webauthn
        .finish_passkey_registration(&credential, &state)
        .map_err(|error| {
            tracing::warn!(user.id = %user_id, %error, "a passkey registration was refused");
            refused("This passkey could not be added. Please try again, or use another device.")
        })?;
    let id = Uuid::new_v4();
    let stored = serde_json::to_value(&passkey).map_err(|_| AppError::Internal)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let added = diesel::insert_into(passkeys::table)
            .values((
                passkeys::id.eq(id),
                passkeys::organization_id.eq(organization_id),
                passkeys::user_id.eq(user_id),
                passkeys::credential_id.eq(passkey.cred_id().as_slice()),
                passkeys::name.eq(&name),
                passkeys::passkey.eq(&stored),
            ))
            .on_conflict(passkeys::credential_id)
            .do_nothing()
            .execute(conn)
            .await?;
        if added == 0 {
            return Err(refused("This passkey is already registered."));
        }
        security_events::record(conn, user_id, SecurityEventKind::PasskeyAdded, client).await
    })
    .await?;
    Ok(id)
}

/// Begins a sign-in with no email: any of this site's passkeys may answer.
/// The prompt is the browser's own (not the autofill kind), opened by a
/// button.
pub fn begin_sign_in(
    policy: &PasskeyPolicy,
) -> Result<(RequestChallengeResponse, Ceremony), AppError> {
    let (mut challenge, state) = policy
        .webauthn()?
        .start_discoverable_authentication()
        .map_err(|error| {
            tracing::error!(%error, "could not begin a passkey sign-in");
            AppError::Internal
        })?;
    challenge.mediation = None;
    Ok((challenge, Ceremony::SignIn { state }))
}

/// Begins proving `user_id` with one of their passkeys. Someone without
/// one is told so beside the button.
pub async fn begin_confirm(
    conn: &mut AsyncPgConnection,
    policy: &PasskeyPolicy,
    user_id: Uuid,
) -> Result<(RequestChallengeResponse, Ceremony), AppError> {
    let webauthn = policy.webauthn()?;
    let credentials = credentials_of(conn, user_id).await?;
    if credentials.is_empty() {
        return Err(refused("You have no passkey yet. Use your code instead."));
    }
    let (challenge, state) = webauthn
        .start_passkey_authentication(&credentials)
        .map_err(|error| {
            tracing::error!(%error, "could not begin a passkey confirmation");
            AppError::Internal
        })?;
    Ok((challenge, Ceremony::Confirm { user_id, state }))
}

/// A stored credential and whose it is.
struct Found {
    id: Uuid,
    user_id: Uuid,
    passkey: Passkey,
}

/// Finishes a sign-in or confirmation: answers whose passkey proved them.
/// Every refusal is recorded: for the credential's owner (and, when it was
/// presented for someone else, for them too), or, for a credential nobody
/// here has, in the trail as an anonymous refusal.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    policy: &PasskeyPolicy,
    ceremony: Ceremony,
    credential: &str,
    client: &ClientInfo,
) -> Result<Uuid, AppError> {
    let webauthn = policy.webauthn()?;
    let credential: PublicKeyCredential = reply(credential)?;
    let found: Option<(Uuid, Uuid, serde_json::Value)> = passkeys::table
        .filter(passkeys::credential_id.eq(credential.get_credential_id()))
        .select((passkeys::id, passkeys::user_id, passkeys::passkey))
        .first(conn)
        .await
        .optional()?;
    let expected = match &ceremony {
        Ceremony::Confirm { user_id, .. } => Some(*user_id),
        _ => None,
    };
    let Some((id, owner, stored)) = found else {
        refuse(conn, None, expected, "unknown credential", client).await?;
        return Err(refused("This passkey is not registered with Cairn."));
    };
    let found = Found {
        id,
        user_id: owner,
        passkey: parse(stored)?,
    };
    let outcome = match ceremony {
        Ceremony::SignIn { state } => {
            match webauthn.identify_discoverable_authentication(&credential) {
                Ok((handle, _)) if handle == found.user_id => webauthn
                    .finish_discoverable_authentication_v2(&credential, state, &found.passkey)
                    .map_err(|error| error.to_string()),
                _ => Err("the authenticator named another account".to_owned()),
            }
        }
        Ceremony::Confirm { user_id, state } if user_id == found.user_id => webauthn
            .finish_passkey_authentication(&credential, &state)
            .map_err(|error| error.to_string()),
        Ceremony::Confirm { .. } => Err("a credential of another account".to_owned()),
        Ceremony::Register { .. } => return Err(AppError::BadRequest),
    };
    let result = match outcome {
        Ok(result) if result.user_verified() => result,
        failure => {
            let reason = failure
                .err()
                .unwrap_or_else(|| "no user verification".to_owned());
            tracing::warn!(user.id = %found.user_id, %reason, "a passkey was refused");
            refuse(
                conn,
                Some(found.user_id),
                expected,
                "passkey refused",
                client,
            )
            .await?;
            return Err(refused("This passkey was not accepted."));
        }
    };
    let mut passkey = found.passkey;
    passkey.update_credential(&result);
    let stored = serde_json::to_value(&passkey).map_err(|_| AppError::Internal)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        diesel::update(passkeys::table.find(found.id))
            .set((
                passkeys::passkey.eq(&stored),
                passkeys::last_used_at.eq(OffsetDateTime::now_utc()),
            ))
            .execute(conn)
            .await?;
        security_events::record(conn, found.user_id, SecurityEventKind::PasskeyUsed, client).await
    })
    .await?;
    Ok(found.user_id)
}

/// Records a refused passkey: a security event for its owner and for the
/// person it was presented for (when they differ), or an anonymous refusal
/// in the trail when nobody here owns it.
async fn refuse(
    conn: &mut AsyncPgConnection,
    owner: Option<Uuid>,
    expected: Option<Uuid>,
    reason: &'static str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut people: Vec<Uuid> = owner.into_iter().chain(expected).collect();
    people.dedup();
    if people.is_empty() {
        let organization_id = crate::backend::organizations::single_practice(conn)
            .await?
            .map(|(id, _)| id);
        let event = Event::new(
            AuditAction::PasskeyRefused,
            AuditOutcome::Denied,
            Actor::Anonymous { organization_id },
            Origin::from(client),
        )
        .because(reason);
        return audit::record(conn, event).await.map(drop);
    }
    for user_id in people {
        security_events::record(conn, user_id, SecurityEventKind::PasskeyRefused, client).await?;
    }
    Ok(())
}
