//! Passkeys (WebAuthn credentials): the strongest factor Cairn offers, and
//! one that cannot be phished: the browser signs only for this site's own
//! domain. A passkey proves both factors at once (something the person has,
//! unlocked by their fingerprint, face or PIN: user verification is always
//! required), so it signs a patient in alone and stands in for the code at
//! a staff sign-in and at step-up.
//!
//! The WebAuthn checks themselves (challenge, origin, signature, counter)
//! are `webauthn-rs`'s; this module keeps each account's credentials, and
//! decides whose a credential is ([`ceremony`]).

pub mod ceremony;

use crate::backend::{
    client::ClientInfo, db::schema::passkeys, identity::authz::StepUp, identity::security_events,
};
use crate::{
    error::AppError,
    model::{PasskeySummary, Role, SecurityEventKind},
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;
use webauthn_rs::prelude::{Passkey, Url, Webauthn, WebauthnBuilder};

/// How passkeys are run. From configuration.
#[derive(Clone, Debug)]
pub struct PasskeyPolicy {
    /// `None` where the public address is an IP address, which browsers
    /// refuse as a WebAuthn relying party.
    webauthn: Option<Arc<Webauthn>>,
    /// Roles that must sign in with a passkey (phishing-resistant sign-in).
    pub required: Vec<Role>,
}

impl PasskeyPolicy {
    /// Passkeys for the origin people use (`CAIRN_PUBLIC_URL`): the relying
    /// party is its host, and only that exact origin is accepted.
    pub fn for_origin(public_url: &str, required: Vec<Role>) -> Result<Self, String> {
        let origin = Url::parse(public_url).map_err(|e| e.to_string())?;
        let webauthn = match origin.domain() {
            Some(domain) => Some(Arc::new(
                WebauthnBuilder::new(domain, &origin)
                    .and_then(|builder| builder.rp_name("Cairn").build())
                    .map_err(|e| format!("{public_url} cannot carry passkeys: {e}"))?,
            )),
            None => None,
        };
        Ok(Self { webauthn, required })
    }

    /// Whether people can use passkeys at this address.
    pub fn available(&self) -> bool {
        self.webauthn.is_some()
    }

    /// Whether `role` must sign in with a passkey.
    pub fn required_for(&self, role: Role) -> bool {
        self.available() && self.required.contains(&role)
    }

    pub(crate) fn webauthn(&self) -> Result<&Webauthn, AppError> {
        self.webauthn
            .as_deref()
            .ok_or(AppError::PasskeysUnavailable)
    }
}

/// Whether the person has a passkey.
pub async fn has_any(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        passkeys::table.filter(passkeys::user_id.eq(user_id)),
    ))
    .get_result(conn)
    .await
}

/// The person's passkeys, oldest first.
pub async fn list(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Vec<PasskeySummary>> {
    let now = OffsetDateTime::now_utc();
    let rows: Vec<(Uuid, String, OffsetDateTime, Option<OffsetDateTime>)> = passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .order(passkeys::created_at)
        .select((
            passkeys::id,
            passkeys::name,
            passkeys::created_at,
            passkeys::last_used_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, added, used)| PasskeySummary {
            id,
            name,
            added_secs_ago: (now - added).whole_seconds().max(0),
            used_secs_ago: used.map(|at| (now - at).whole_seconds().max(0)),
        })
        .collect())
}

/// The library's records of the person's credentials (to name them in a
/// challenge).
async fn credentials_of(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<Vec<Passkey>, AppError> {
    let stored: Vec<serde_json::Value> = passkeys::table
        .filter(passkeys::user_id.eq(user_id))
        .select(passkeys::passkey)
        .load(conn)
        .await?;
    stored.into_iter().map(parse).collect()
}

fn parse(stored: serde_json::Value) -> Result<Passkey, AppError> {
    serde_json::from_value(stored).map_err(|error| {
        tracing::error!(%error, "a stored passkey did not parse");
        AppError::Internal
    })
}

/// Removes one of the person's own passkeys, with a fresh confirmation of
/// theirs (`fresh`). Another person's, or one already gone, is `NotFound`.
/// With `keep_one` (their role must use a passkey) the last one stays:
/// their passkeys are locked while counted, so two removals at once cannot
/// both take one of the last two.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    fresh: StepUp,
    id: Uuid,
    keep_one: bool,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let user_id = fresh.user_id;
    conn.transaction::<_, AppError, _>(async |conn| {
        if keep_one {
            let theirs: Vec<Uuid> = passkeys::table
                .filter(passkeys::user_id.eq(user_id))
                .select(passkeys::id)
                .for_update()
                .load(conn)
                .await?;
            if theirs.len() <= 1 && theirs.contains(&id) {
                let mut errors = crate::error::FieldErrors::new();
                errors.add(
                    "passkey",
                    "Your practice requires a passkey for your role: add another before removing this one.",
                );
                return Err(AppError::Invalid(errors));
            }
        }
        let removed = diesel::delete(
            passkeys::table
                .find(id)
                .filter(passkeys::user_id.eq(user_id)),
        )
        .execute(conn)
        .await?;
        if removed == 0 {
            return Err(AppError::NotFound);
        }
        security_events::record(conn, user_id, SecurityEventKind::PasskeyRemoved, client).await
    })
    .await
}

/// Removes every passkey of `user_id` (an administrator's reset of their
/// second factors, which records itself). Answers how many there were.
pub async fn remove_all(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::delete(passkeys::table.filter(passkeys::user_id.eq(user_id)))
        .execute(conn)
        .await
}
