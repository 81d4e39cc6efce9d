//! Time-based one-time codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
//! steps), what every authenticator app accepts.
//!
//! totp-rs computes the codes; this module adds what it leaves to callers:
//! strict input parsing, and refusing a code whose time step was already
//! used (a code is good once, even within its 90-second window).

use std::fmt;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "Cairn";
const DIGITS: u8 = 6;
const STEP_SECS: u64 = 30;
/// Steps either side of now that still count (clock skew).
const SKEW: u16 = 1;

/// A TOTP shared secret (160 bits). Wiped on drop; never printed.
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// 160 random bits from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self(Zeroizing::new(Secret::generate().as_bytes().to_vec()))
    }

    pub fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// From the base32 text a person types (spaces ignored).
    pub fn from_base32(text: &str) -> Option<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let secret = Secret::try_from_base32(compact).ok()?;
        Some(Self(Zeroizing::new(secret.as_bytes().to_vec())))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 in groups of four, for typing into an app by hand.
    pub fn grouped_base32(&self) -> String {
        let plain = Zeroizing::new(Secret::from(self.0.to_vec()).to_base32());
        plain
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn totp(&self, account: &str) -> Result<Totp, totp_rs::TotpError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW)
            .with_step_duration(STEP_SECS)
            .with_secret(Secret::from(self.0.to_vec()))
            .with_account_name(account.replace(':', ""))
            .with_issuer(Some(ISSUER))
            .build()
    }

    /// The code for `unix_secs` (tests and the e2e helper's twin).
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.totp("code")
            .map(|t| t.generate(unix_secs).to_string())
            .unwrap_or_default()
    }

    /// The QR code (PNG, base64) of the `otpauth://` URI for `account`.
    pub fn qr_png_base64(&self, account: &str) -> Option<String> {
        self.totp(account).ok()?.to_qr_base64().ok()
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not six digits (spaces are allowed between them).
    Malformed,
    Wrong,
    /// Right, but its time step (or a later one) was already used.
    Replayed,
}

impl CodeError {
    /// What the person is told, next to the code field.
    pub fn message(self) -> &'static str {
        match self {
            CodeError::Malformed => "Enter the 6-digit code from your authenticator app.",
            CodeError::Wrong => {
                "That code is not right. Use the newest code, and check that your device's clock is correct."
            }
            CodeError::Replayed => {
                "That code was already used. Wait for the next code and enter that one."
            }
        }
    }
}

/// Six digits, with any spaces removed; anything else is malformed.
pub fn parse_code(input: &str) -> Result<String, CodeError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == usize::from(DIGITS) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(CodeError::Malformed)
    }
}

/// Checks `input` at `unix_secs`. Accepts the current step and one either
/// side; refuses a step at or before `last_step` (the last accepted one).
/// Returns the step that matched, to be stored as the new `last_step`.
pub fn check(
    secret: &TotpSecret,
    input: &str,
    unix_secs: u64,
    last_step: Option<u64>,
) -> Result<u64, CodeError> {
    let code = parse_code(input)?;
    let totp = secret.totp("code").map_err(|_| CodeError::Wrong)?;
    let now = unix_secs / STEP_SECS;
    // Newest first, so a code valid in two steps counts as the later one.
    let step = (now.saturating_sub(u64::from(SKEW))..=now + u64::from(SKEW))
        .rev()
        .find(|step| totp.generate(step * STEP_SECS).to_string() == code)
        .ok_or(CodeError::Wrong)?;
    if last_step.is_some_and(|last| step <= last) {
        return Err(CodeError::Replayed);
    }
    Ok(step)
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B's SHA-1 secret ("12345678901234567890").
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(Zeroizing::new(b"12345678901234567890".to_vec()))
    }

    #[test]
    fn matches_the_rfc_test_vectors() {
        // The RFC lists 8 digits; six-digit codes are their last six.
        let secret = rfc_secret();
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn accepts_one_step_either_side_and_no_further() {
        let secret = rfc_secret();
        let now: u64 = 1_700_000_000;
        for offset in [-30i64, 0, 30] {
            let code = secret.code_at(now.checked_add_signed(offset).unwrap_or(now));
            assert!(check(&secret, &code, now, None).is_ok(), "offset {offset}");
        }
        for offset in [-90i64, -60, 60, 90] {
            let code = secret.code_at(now.checked_add_signed(offset).unwrap_or(now));
            assert_eq!(
                check(&secret, &code, now, None),
                Err(CodeError::Wrong),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_code_is_good_once_and_earlier_codes_die_with_it() {
        let secret = rfc_secret();
        let now = 1_700_000_000;
        let code = secret.code_at(now);
        let step = check(&secret, &code, now, None).expect("first use");
        assert_eq!(step, now / 30);
        assert_eq!(
            check(&secret, &code, now, Some(step)),
            Err(CodeError::Replayed)
        );
        let earlier = secret.code_at(now - 30);
        assert_eq!(
            check(&secret, &earlier, now, Some(step)),
            Err(CodeError::Replayed)
        );
        let next = secret.code_at(now + 30);
        assert_eq!(check(&secret, &next, now + 30, Some(step)), Ok(step + 1));
    }

    #[test]
    fn input_must_be_six_digits() {
        assert_eq!(parse_code(" 123 456 "), Ok("123456".into()));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６", "123-456"] {
            assert_eq!(parse_code(bad), Err(CodeError::Malformed), "{bad:?}");
        }
        assert_eq!(
            check(&rfc_secret(), "abcdef", 59, None),
            Err(CodeError::Malformed)
        );
    }

    #[test]
    fn another_secrets_code_is_wrong() {
        let (a, b) = (TotpSecret::generate(), TotpSecret::generate());
        assert_eq!(a.as_bytes().len(), 20);
        let now = 1_700_000_000;
        let code = b.code_at(now);
        // One in a million the two agree; retry with another instant then.
        let clash =
            a.code_at(now) == code || a.code_at(now - 30) == code || a.code_at(now + 30) == code;
        if !clash {
            assert_eq!(check(&a, &code, now, None), Err(CodeError::Wrong));
        }
    }

    #[test]
    fn the_manual_entry_text_is_grouped_base32_and_the_qr_renders() {
        let secret = rfc_secret();
        assert_eq!(
            secret.grouped_base32(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let typed = TotpSecret::from_base32(&secret.grouped_base32()).map(|s| s.code_at(59));
        assert_eq!(typed.as_deref(), Some("287082"));
        let qr = secret
            .qr_png_base64("avery@example.org")
            .unwrap_or_default();
        assert!(qr.starts_with("iVBOR"), "a base64 PNG");
        assert_eq!(format!("{secret:?}"), "TotpSecret(<redacted>)");
    }
}
