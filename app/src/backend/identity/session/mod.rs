//! Server-side sessions: who is signed in, for how long, from where.
//!
//! The cookie (`__Host-cairn`) carries only a random 128-bit id; the row in
//! `sessions` is keyed by the id's SHA-256. Expiry is the server's: a session
//! dies at `least(last_seen + idle timeout, created + absolute lifetime)`,
//! whatever the browser does. Only real requests move `last_seen` (loading
//! the session does, [`store`]); asking how long is left does not.

pub mod activity;
pub mod csrf;
pub mod mine;
pub mod signed_in;
pub mod store;

use crate::model::Role;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tower_sessions::session::Id;
use uuid::Uuid;

pub use signed_in::SignedIn;
pub use store::PgSessionStore;

/// The session cookie's name. `__Host-` makes browsers insist on Secure,
/// Path=/ and no Domain, so no subdomain can plant or read it.
pub const COOKIE_NAME: &str = "__Host-cairn";

/// Session data key holding [`SignedIn`].
pub(crate) const SIGNED_IN_KEY: &str = "signed_in";
/// The signed-in account's name: put in the session's data by the store
/// when it loads the row, for this request only, never stored in the row.
pub(crate) const ACCOUNT_NAME_KEY: &str = "account_name";
/// Session data key holding [`PendingSignIn`].
const PENDING_KEY: &str = "pending_sign_in";

/// How long sessions live. From configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Idle timeout for each role (admins may be shorter).
    pub idle_admin: Duration,
    pub idle_therapist: Duration,
    pub idle_patient: Duration,
    /// Idle timeout of a session nobody has signed in to (it carries only a
    /// CSRF token).
    pub idle_anonymous: Duration,
    /// From sign-in, however active the session is.
    pub absolute: Duration,
    /// Signed-in sessions a user may have at once; the oldest ends first.
    pub max_per_user: u32,
    /// How long before the idle timeout the browser warns.
    pub warn_before: Duration,
}

impl SessionPolicy {
    pub const DEFAULT: SessionPolicy = SessionPolicy {
        idle_admin: Duration::from_secs(15 * 60),
        idle_therapist: Duration::from_secs(15 * 60),
        idle_patient: Duration::from_secs(15 * 60),
        idle_anonymous: Duration::from_secs(15 * 60),
        absolute: Duration::from_secs(8 * 60 * 60),
        max_per_user: 3,
        warn_before: Duration::from_secs(120),
    };

    pub fn idle_for(&self, role: Role) -> Duration {
        match role {
            Role::Admin => self.idle_admin,
            Role::Therapist => self.idle_therapist,
            Role::Patient => self.idle_patient,
        }
    }
}

/// Where the second factor stands as a session begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// No authenticator, and the role does not require one.
    NotUsed,
    /// A code (or recovery code) was just accepted.
    Proven,
    /// The role requires an authenticator the person has not set up.
    MustEnroll,
}

/// A sign-in whose password was right, waiting for the second factor. The
/// session is not signed in while this is all it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: Uuid,
    /// Unix seconds of the password check.
    pub started_at: i64,
    /// Wrong codes so far.
    pub attempts: u32,
}

impl PendingSignIn {
    /// How long the code prompt waits after the password.
    pub const LIFETIME_SECS: i64 = 5 * 60;

    pub fn is_expired(&self, now: i64) -> bool {
        now - self.started_at > Self::LIFETIME_SECS
    }
}

/// Whom a session is begun for: the parts of an account a session keeps.
/// Its own type so that sessions need not know accounts (accounts record
/// to the trail, and the trail names sessions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
}

/// Starts a signed-in session for `account`: a new session id (so an id
/// planted before sign-in is worthless), and who is signed in. The row is
/// written when the response goes out.
pub async fn begin(
    session: &tower_sessions::Session,
    policy: &SessionPolicy,
    account: &Person,
    client: &crate::backend::client::ClientInfo,
    second_factor: SecondFactor,
) -> Result<(), crate::error::AppError> {
    let now = time::OffsetDateTime::now_utc();
    let idle = policy.idle_for(account.role);
    let signed_in = SignedIn {
        user_id: account.id,
        organization_id: account.organization_id,
        role: account.role,
        authenticated_at: now.unix_timestamp(),
        idle_timeout_secs: u32::try_from(idle.as_secs()).unwrap_or(u32::MAX),
        absolute_expires_at: (now + policy.absolute).unix_timestamp(),
        ip: client.ip.map(|ip| ip.to_string()),
        user_agent: client.user_agent.clone(),
        mfa_at: (second_factor == SecondFactor::Proven).then(|| now.unix_timestamp()),
        must_enroll: second_factor == SecondFactor::MustEnroll,
    };
    replace(session, signed_in).await.map(drop)
}

/// Stores a changed [`SignedIn`] under a new session id: a privilege change
/// (a second factor proven, setup completed) gets a fresh id and CSRF
/// token; answers the token, for a page that carries on without reloading.
pub async fn replace(
    session: &tower_sessions::Session,
    signed_in: SignedIn,
) -> Result<String, crate::error::AppError> {
    restart(session, SIGNED_IN_KEY, signed_in, PENDING_KEY).await
}

/// Every change of who a session speaks for goes through here: a new id
/// (so an id seen before is worthless), `key` set, the other state
/// (`instead_of`) gone, and a new CSRF token (answered). A session is
/// therefore signed in or waiting for a second factor, never both.
async fn restart<T: Serialize + Send + Sync>(
    session: &tower_sessions::Session,
    key: &str,
    value: T,
    instead_of: &str,
) -> Result<String, crate::error::AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session
        .remove_value(instead_of)
        .await
        .map_err(store_error)?;
    session.insert(key, value).await.map_err(store_error)?;
    csrf::renew(session).await
}

/// Holds a password-checked sign-in until its second factor (under a new
/// id: the password was a step up from anonymous). Whoever the session was
/// signed in as before is signed out.
pub async fn await_second_factor(
    session: &tower_sessions::Session,
    user_id: Uuid,
) -> Result<(), crate::error::AppError> {
    let pending = PendingSignIn {
        user_id,
        started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        attempts: 0,
    };
    restart(session, PENDING_KEY, pending, SIGNED_IN_KEY)
        .await
        .map(drop)
}

/// The sign-in waiting for its second factor, if any and not expired (an
/// expired one is abandoned here).
pub async fn pending(
    session: &tower_sessions::Session,
) -> Result<Option<PendingSignIn>, crate::error::AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match read::<PendingSignIn>(session, PENDING_KEY).await? {
        Some(pending) if pending.is_expired(now) => {
            update_pending(session, None).await?;
            Ok(None)
        }
        fresh => Ok(fresh),
    }
}

/// The value under `key` in the session's data, if any.
async fn read<T: serde::de::DeserializeOwned>(
    session: &tower_sessions::Session,
    key: &str,
) -> Result<Option<T>, crate::error::AppError> {
    session.get::<T>(key).await.map_err(store_error)
}

/// Records another wrong code, or (with `None`) abandons the pending
/// sign-in.
pub async fn update_pending(
    session: &tower_sessions::Session,
    pending: Option<PendingSignIn>,
) -> Result<(), crate::error::AppError> {
    match pending {
        Some(pending) => session.insert(PENDING_KEY, pending).await.map(drop),
        None => session.remove_value(PENDING_KEY).await.map(drop),
    }
    .map_err(store_error)
}

/// Who is signed in to `session`, if anyone (an expired session reads as
/// nobody: the store does not load it).
pub async fn current(
    session: &tower_sessions::Session,
) -> Result<Option<SignedIn>, crate::error::AppError> {
    read(session, SIGNED_IN_KEY).await
}

/// The signed-in account's name as the store read it with the session
/// (`None` when nobody is signed in, or the session began in this request).
pub async fn account_name(
    session: &tower_sessions::Session,
) -> Result<Option<String>, crate::error::AppError> {
    read(session, ACCOUNT_NAME_KEY).await
}

/// The session's signed-in person, or `Unauthenticated`; staff who still
/// have to set up two-step verification get `EnrollmentRequired` (until
/// they do, they reach only the setup). Server functions and plain routes
/// alike start here.
pub async fn signed_in(
    session: &tower_sessions::Session,
) -> Result<SignedIn, crate::error::AppError> {
    use crate::error::AppError;
    let who = current(session).await?.ok_or(AppError::Unauthenticated)?;
    if who.must_enroll {
        return Err(AppError::EnrollmentRequired);
    }
    Ok(who)
}

pub(crate) fn store_error(error: tower_sessions::session::Error) -> crate::error::AppError {
    tracing::warn!(%error, "session store unavailable");
    crate::error::AppError::Unavailable
}

/// The stored key for a raw cookie value, or `None` when it is not a
/// well-formed session id.
pub fn cookie_hash(cookie_value: &str) -> Option<Vec<u8>> {
    cookie_value
        .parse::<Id>()
        .ok()
        .map(|id| crate::backend::client::id_hash(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_key_is_a_hash_of_the_cookie_value() {
        let id = Id::default();
        let hash = crate::backend::client::id_hash(&id);
        assert_eq!(hash.len(), 32);
        assert_eq!(cookie_hash(&id.to_string()), Some(hash.clone()));
        assert_ne!(hash, id.to_string().into_bytes());
    }

    #[test]
    fn malformed_cookies_have_no_key() {
        assert_eq!(cookie_hash("not a session id"), None);
        assert_eq!(cookie_hash(""), None);
    }

    #[test]
    fn idle_timeout_follows_the_role() {
        let policy = SessionPolicy {
            idle_admin: Duration::from_secs(300),
            ..SessionPolicy::DEFAULT
        };
        assert_eq!(policy.idle_for(Role::Admin), Duration::from_secs(300));
        assert_eq!(policy.idle_for(Role::Patient), Duration::from_secs(900));
    }
}
