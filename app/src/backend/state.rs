//! What every request handler and server function can reach.

use super::{
    db::Database, identity::password::Passwords, identity::session::SessionPolicy,
    throttle::Throttles,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::time::Duration;

/// How sign-in resists guessing. From configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Consecutive failures that lock an account.
    pub lockout_threshold: u32,
    /// How long the lock lasts (an admin can lift it sooner).
    pub lockout: Duration,
    /// Consecutive wrong two-step codes, across sign-ins, that lock an
    /// account (a right password does not reset this count; a right code
    /// or the lock does).
    pub code_lockout_threshold: u32,
}

impl SignInPolicy {
    pub const DEFAULT: SignInPolicy = SignInPolicy {
        lockout_threshold: 5,
        lockout: Duration::from_secs(15 * 60),
        code_lockout_threshold: 10,
    };
}

/// Shared, cheaply cloned application state. Server functions get it with
/// `expect_context::<AppState>()` (see `api::state`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub passwords: Passwords,
    pub sessions: SessionPolicy,
    pub sign_in: SignInPolicy,
    pub mfa: super::identity::mfa::MfaPolicy,
    pub passkeys: super::identity::passkeys::PasskeyPolicy,
    /// When the trail raises alerts on the access review.
    pub alerts: super::audit::alerts::AlertPolicy,
    /// Where new alerts are POSTed for a SIEM, when configured.
    pub alert_webhook: Option<super::audit::alerts::webhook::Webhook>,
    /// When a staff account counts as unused, and whether it is then
    /// deactivated.
    pub unused: super::identity::unused::UnusedPolicy,
    /// How long an emergency ("break the glass") access lasts.
    pub emergency_access: Duration,
    /// Seals and opens health information.
    pub vault: super::vault::Vault,
    pub throttles: Throttles,
    /// The origin people use (CAIRN_PUBLIC_URL), for links they copy.
    pub public_url: String,
    /// Sends security notices by email, when SMTP is configured.
    pub mailer: Option<super::mail::Mailer>,
    /// Each practice's time zone, which pages write times in.
    pub zones: super::organizations::PracticeZones,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
