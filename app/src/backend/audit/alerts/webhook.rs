//! Alerts for a SIEM: each new alert POSTed as JSON to the practice's
//! webhook (`CAIRN_ALERT_WEBHOOK_URL`), signed with a shared secret
//! (`CAIRN_ALERT_WEBHOOK_SECRET`).
//!
//! A receiver checks, in this order (the README's "Alert webhook"):
//! 1. `Cairn-Signature` is `v1=` and the hex of HMAC-SHA-256, keyed with
//!    the secret, over `Cairn-Timestamp`, a `.`, and the body as received;
//!    compared in constant time.
//! 2. `Cairn-Timestamp` (Unix seconds) is within five minutes of its clock,
//!    so a captured request cannot be replayed later.
//! 3. `Cairn-Alert-Id` (also the body's `id`) was not seen before: a retry
//!    after a lost answer sends the same alert again, with a new timestamp
//!    and signature, and must not count twice.
//!
//! The body names no one: the kind, the times, the counts, the address of
//! failed sign-ins, and where in Cairn to look. Who and which chart are
//! for an administrator to read in Cairn, where reading them is audited.

use super::Kept;
use crate::{backend::outbound::Target, model::audit::AlertKind};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::{fmt, time::Duration};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest secret accepted: 256 bits written as text.
pub const SECRET_MIN_CHARS: usize = 32;

/// The configured webhook. Cheap to clone.
#[derive(Clone)]
pub struct Webhook {
    target: Target,
    secret: std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>,
    public_url: String,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// `url` as [`Target::parse`] takes it; `secret` at least
    /// [`SECRET_MIN_CHARS`] characters. Errors name the problem, for the
    /// variable's message.
    pub fn new(url: &str, secret: &str, public_url: &str) -> Result<Self, (bool, String)> {
        let target = Target::parse(url).map_err(|why| (true, why))?;
        if secret.chars().count() < SECRET_MIN_CHARS {
            return Err((
                false,
                format!(
                    "must be at least {SECRET_MIN_CHARS} characters (e.g. openssl rand -hex 32)"
                ),
            ));
        }
        Ok(Self {
            target,
            secret: std::sync::Arc::new(zeroize::Zeroizing::new(secret.as_bytes().to_vec())),
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The body sent for `alert`: the same on every attempt.
    pub(super) fn body(&self, alert: &Kept, organization_id: Uuid) -> Vec<u8> {
        let time = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
        let body = serde_json::json!({
            "id": alert.id,
            "alert": super::describe::key_of(alert.kind, alert.first_event_id),
            "kind": alert.kind.as_str(),
            "title": alert.kind.label(),
            "practice": organization_id,
            "first_at": time(alert.first_at),
            "last_at": time(alert.last_at),
            "events": alert.events,
            "peak": alert.peak,
            "source_ip": match alert.kind {
                AlertKind::FailedSignInsFromIp => alert.client_ip.clone(),
                _ => None,
            },
            "review_url": format!("{}/admin/audit", self.public_url),
        });
        body.to_string().into_bytes()
    }

    /// Sends `body`, signed now; a 2xx answer is delivery.
    pub(super) async fn send(&self, alert_id: Uuid, body: &[u8]) -> Result<(), String> {
        let timestamp = OffsetDateTime::now_utc().unix_timestamp().to_string();
        let headers = [
            ("Cairn-Alert-Id", alert_id.to_string()),
            ("Cairn-Timestamp", timestamp.clone()),
            ("Cairn-Signature", sign(&self.secret, &timestamp, body)),
            ("User-Agent", "Cairn alerts".to_owned()),
        ];
        match self.target.post_json(&headers, body, TIMEOUT).await? {
            200..=299 => Ok(()),
            status => Err(format!("the receiver answered {status}")),
        }
    }
}

/// `v1=` and the hex HMAC-SHA-256 of `timestamp.body` under `secret`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1={}",
        crate::backend::secret::hex(&mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned so a receiver written from the README's description agrees
    /// with Cairn (the value is from Python's hmac module).
    #[test]
    fn the_signature_covers_the_timestamp_a_dot_and_the_body() {
        assert_eq!(
            sign(b"key", "1", b"{}"),
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn a_short_secret_or_a_plain_remote_url_is_refused() {
        let long = "x".repeat(SECRET_MIN_CHARS);
        assert!(Webhook::new("https://siem.example/hook", &long, "https://cairn.example").is_ok());
        assert!(matches!(
            Webhook::new(
                "https://siem.example/hook",
                "short",
                "https://cairn.example"
            ),
            Err((false, _))
        ));
        assert!(matches!(
            Webhook::new("http://siem.example/hook", &long, "https://cairn.example"),
            Err((true, _))
        ));
    }
}
