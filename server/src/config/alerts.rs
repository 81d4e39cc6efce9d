//! When alerts are raised, and where they are sent besides the access
//! review (email goes to the practice's administrators when SMTP is set).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_ALERT_FAILED_SIGN_INS` | `10` | failed sign-ins from one IP, or for one account, within 5 minutes that raise an alert |
//! | `CAIRN_ALERT_CHARTS_PER_HOUR` | `25` | distinct patients' charts one person opens within an hour that raise an alert |
//! | `CAIRN_ALERT_WEBHOOK_URL` | none | where each new alert is POSTed, signed (README, "Alert webhook"); `https://`, or `http://` to this machine |
//! | `CAIRN_ALERT_WEBHOOK_SECRET` | required with the URL | the HMAC key the receiver shares, at least 32 characters |

use super::{ConfigError, parse::bounded, problem};
use app::backend::audit::alerts::{AlertPolicy, webhook::Webhook};

pub(super) fn policy(var: &impl Fn(&str) -> Option<String>) -> Result<AlertPolicy, ConfigError> {
    Ok(AlertPolicy {
        failed_sign_ins: bounded(
            var,
            "CAIRN_ALERT_FAILED_SIGN_INS",
            AlertPolicy::DEFAULT.failed_sign_ins,
            2..=10_000,
        )?,
        charts_per_hour: bounded(
            var,
            "CAIRN_ALERT_CHARTS_PER_HOUR",
            AlertPolicy::DEFAULT.charts_per_hour,
            2..=100_000,
        )?,
    })
}

/// The webhook, when one is configured.
pub(super) fn webhook(
    var: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<Option<Webhook>, ConfigError> {
    const URL: &str = "CAIRN_ALERT_WEBHOOK_URL";
    const SECRET: &str = "CAIRN_ALERT_WEBHOOK_SECRET";
    match (var(URL), var(SECRET)) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(problem(
            URL,
            "required when CAIRN_ALERT_WEBHOOK_SECRET is set",
        )),
        (Some(_), None) => Err(problem(
            SECRET,
            "required when CAIRN_ALERT_WEBHOOK_URL is set",
        )),
        (Some(url), Some(secret)) => Webhook::new(&url, &secret, public_url)
            .map(Some)
            .map_err(|(of_url, why)| problem(if of_url { URL } else { SECRET }, why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;

    const SECRET: (&str, &str) = (
        "CAIRN_ALERT_WEBHOOK_SECRET",
        "0123456789abcdef0123456789abcdef",
    );

    fn webhook_of(pairs: &[(&str, &str)]) -> Result<Option<Webhook>, ConfigError> {
        webhook(&lookup(pairs), "https://cairn.example")
    }

    #[test]
    fn the_webhook_needs_both_its_url_and_its_secret() {
        assert!(webhook_of(&[]).is_ok_and(|w| w.is_none()));
        let url = ("CAIRN_ALERT_WEBHOOK_URL", "https://siem.example/cairn");
        assert!(webhook_of(&[url, SECRET]).is_ok_and(|w| w.is_some()));
        let missing = webhook_of(&[url]).expect_err("no secret");
        assert_eq!(missing.variable, "CAIRN_ALERT_WEBHOOK_SECRET");
        let missing = webhook_of(&[SECRET]).expect_err("no URL");
        assert_eq!(missing.variable, "CAIRN_ALERT_WEBHOOK_URL");
    }

    #[test]
    fn a_plain_remote_url_or_a_short_secret_is_named() {
        let plain = ("CAIRN_ALERT_WEBHOOK_URL", "http://siem.example/cairn");
        let refused = webhook_of(&[plain, SECRET]).expect_err("plain HTTP");
        assert_eq!(refused.variable, "CAIRN_ALERT_WEBHOOK_URL");
        let url = ("CAIRN_ALERT_WEBHOOK_URL", "https://siem.example/cairn");
        let short = ("CAIRN_ALERT_WEBHOOK_SECRET", "letmein");
        let refused = webhook_of(&[url, short]).expect_err("short secret");
        assert_eq!(refused.variable, "CAIRN_ALERT_WEBHOOK_SECRET");
        // The secret itself is never in a message.
        assert!(!refused.problem.contains("letmein"));
    }
}
