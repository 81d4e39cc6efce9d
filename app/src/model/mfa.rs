//! Two-step verification as the pages see it. No secret crosses the wire
//! except the pending one on the setup page, which the person must see.

use serde::{Deserialize, Serialize};

/// Whether two-step verification is on, for the Security page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enrolled: bool,
    pub enrolled_days_ago: Option<i64>,
    pub recovery_codes_left: u32,
    /// When the unused recovery codes were made.
    pub recovery_codes_made_secs_ago: Option<i64>,
}

/// The Security page's two-step section: status, and what the role allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaOverview {
    pub status: MfaStatus,
    /// The role requires it: it cannot be turned off.
    pub required: bool,
    /// The person has a passkey (and this address can use it): step-up
    /// offers it.
    pub has_passkey: bool,
}

/// The setup page: the pending secret as a QR code and as text to type.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaSetup {
    /// PNG, base64, shown as a `data:` image (the CSP allows `img-src data:`).
    pub qr_png_base64: String,
    /// Base32 in groups of four.
    pub secret_text: String,
    pub expires_in_secs: i64,
    /// The account name the app will show.
    pub account: String,
}

// Hand-written so a log line can never print the pending secret.
impl std::fmt::Debug for MfaSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaSetup(<redacted>)")
    }
}

/// Recovery codes, shown once right after they are made.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes(pub Vec<String>);

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes(<{} redacted>)", self.0.len())
    }
}

/// What happened at the code prompt of sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondFactorOutcome {
    SignedIn,
    /// Signed in with a recovery code; this many are left.
    SignedInWithRecoveryCode {
        left: u32,
    },
}
