//! The one error type of Cairn's server functions.
//!
//! It crosses the wire (JSON), so every message here is safe to show to a
//! person: no internals, no database text, nothing about whether an account
//! exists. The detail of an internal failure goes to the log, once, where it
//! happened; the user sees a fixed sentence.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Messages for individual form fields, keyed by the field's `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message for `field`; the first message for a field wins,
    /// so rules checked in order report the most basic problem.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the errors as an [`AppError`].
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input broke a rule; each field says which.
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    /// Sign-in failed. Deliberately one message for unknown account, wrong
    /// password and locked account.
    #[error("That email and password did not match. Please try again.")]
    BadCredentials,
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this.")]
    Forbidden,
    /// A state change that did not come from Cairn's own pages (CSRF defence).
    #[error(
        "This form has expired or did not come from Cairn's own pages, so it was refused. Reload the page and try again."
    )]
    CrossSite,
    /// A signed-in person whose role requires two-step verification and
    /// who has not set it up yet: they can reach only the setup.
    #[error("Set up two-step verification to continue.")]
    EnrollmentRequired,
    /// A sensitive action needs a code entered in the last few minutes.
    #[error("For your security, enter a code from your authenticator app to continue.")]
    StepUpRequired,
    /// Too many wrong codes at the sign-in prompt: that sign-in is void.
    #[error("Too many wrong codes. For your security, please sign in again.")]
    TooManyCodes,
    #[error("Two-step verification is already on for this account.")]
    MfaAlreadyOn,
    #[error("Two-step verification is not on for this account.")]
    MfaNotOn,
    #[error("This role requires two-step verification, so it cannot be turned off.")]
    MfaRequired,
    /// Browsers allow passkeys only on a domain name: this address of
    /// Cairn (an IP address) cannot use them.
    #[error("Passkeys are not available at this address of Cairn. Use your code or password.")]
    PasskeysUnavailable,
    #[error("We could not find that page or record.")]
    NotFound,
    /// An edit started from a version someone has since replaced (or a
    /// note signed meanwhile): nothing was overwritten.
    #[error(
        "This was changed after you opened it (saved or signed elsewhere), so your change was not saved. Copy your text, reload, and apply it again."
    )]
    EditConflict,
    /// Too many requests; the server sends `Retry-After` with this.
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// Too many sign-ins are already waiting for a password check: this
    /// one is turned away at once (429, `Retry-After`) rather than queued.
    /// The same answer whatever the account.
    #[error("Cairn is busy signing people in. Please try again in a few seconds.")]
    Busy { retry_after_secs: u64 },
    /// The database (or another dependency) is unreachable.
    #[error("Cairn is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    /// Health information that is stored but does not open (tampered, or
    /// its key is gone): never shown as if it were empty.
    #[error("This record cannot be read. Please contact your practice's administrator.")]
    RecordUnreadable,
    /// The request could not be understood (malformed body or arguments).
    #[error("The request could not be understood. Please reload the page and try again.")]
    BadRequest,
    /// Seen by the browser when the server could not be reached at all.
    #[error("Could not reach Cairn. Check your connection and try again.")]
    Network,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::BadCredentials | AppError::Unauthenticated | AppError::TooManyCodes => 401,
            AppError::Forbidden
            | AppError::CrossSite
            | AppError::EnrollmentRequired
            | AppError::StepUpRequired => 403,
            AppError::MfaAlreadyOn
            | AppError::MfaNotOn
            | AppError::MfaRequired
            | AppError::PasskeysUnavailable
            | AppError::EditConflict => 409,
            AppError::NotFound => 404,
            AppError::RateLimited { .. } | AppError::Busy { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal | AppError::RecordUnreadable => 500,
            AppError::BadRequest => 400,
            AppError::Network => 502,
        }
    }

    /// How long to wait before asking again, for the `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// Whether asking again later may get another answer (the service was
    /// busy, unreachable or failed), as opposed to an answer that stands
    /// (refused, not found, unreadable).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AppError::Unavailable
                | AppError::RateLimited { .. }
                | AppError::Busy { .. }
                | AppError::Internal
                | AppError::Network
        )
    }

    /// The message for `field`, when this error is about form fields.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(field).map(str::to_owned),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not parse are the client's fault.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_busy_or_failing_service_is_worth_asking_again() {
        assert!(AppError::Unavailable.is_transient());
        assert!(
            AppError::RateLimited {
                retry_after_secs: 5
            }
            .is_transient()
        );
        for standing in [
            AppError::Forbidden,
            AppError::NotFound,
            AppError::RecordUnreadable,
        ] {
            assert!(!standing.is_transient(), "{standing:?}");
        }
    }

    #[test]
    fn first_message_for_a_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter your email address.");
        errors.add("email", "Enter a valid email address.");
        assert_eq!(errors.get("email"), Some("Enter your email address."));
        assert_eq!(
            AppError::Invalid(errors).field("email").as_deref(),
            Some("Enter your email address.")
        );
    }

    #[test]
    fn no_field_errors_is_ok() {
        assert_eq!(FieldErrors::new().into_result(), Ok(()));
    }

    #[test]
    fn statuses_are_distinct_for_what_clients_act_on() {
        assert_eq!(AppError::Invalid(FieldErrors::new()).status(), 422);
        assert_eq!(AppError::BadCredentials.status(), 401);
        assert_eq!(AppError::Unavailable.status(), 503);
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn round_trips_through_the_wire_encoding() {
        let mut errors = FieldErrors::new();
        errors.add("password", "Enter your password.");
        let original = AppError::Invalid(errors);
        assert_eq!(AppError::de(original.ser()), original);
    }

    #[test]
    fn messages_leak_no_internals() {
        let internal = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "relation \"users\" does not exist".into(),
        ));
        assert_eq!(internal, AppError::Internal);
        assert!(!internal.to_string().contains("users"));
    }
}
