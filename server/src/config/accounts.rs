//! Accounts over time: when a staff account counts as unused, and whether
//! `serve` then deactivates it (`app::backend::identity::unused`).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_DORMANT_DAYS` | `45` | days without a sign-in after which a staff account is listed as unused (People, access review) |
//! | `CAIRN_DORMANT_DEACTIVATE` | `false` | deactivate unused staff accounts (checked hourly, recorded in the trail; never a practice's last administrator in use) |

use super::{
    ConfigError,
    parse::{bounded, parse_bool},
};
use app::backend::identity::unused::UnusedPolicy;

pub(super) fn unused(var: &impl Fn(&str) -> Option<String>) -> Result<UnusedPolicy, ConfigError> {
    Ok(UnusedPolicy {
        after_days: bounded(
            var,
            "CAIRN_DORMANT_DAYS",
            UnusedPolicy::DEFAULT.after_days,
            7..=3650,
        )?,
        deactivate: parse_bool(
            var,
            "CAIRN_DORMANT_DEACTIVATE",
            UnusedPolicy::DEFAULT.deactivate,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;

    #[test]
    fn unused_accounts_default_to_listed_after_45_days() {
        assert_eq!(unused(&lookup(&[])).ok(), Some(UnusedPolicy::DEFAULT));
        let set = unused(&lookup(&[
            ("CAIRN_DORMANT_DAYS", "90"),
            ("CAIRN_DORMANT_DEACTIVATE", "true"),
        ]));
        assert_eq!(
            set.ok(),
            Some(UnusedPolicy {
                after_days: 90,
                deactivate: true
            })
        );
    }

    #[test]
    fn out_of_range_days_and_a_bad_switch_are_named() {
        let short = unused(&lookup(&[("CAIRN_DORMANT_DAYS", "3")])).expect_err("too short");
        assert_eq!(short.variable, "CAIRN_DORMANT_DAYS");
        let bad = unused(&lookup(&[("CAIRN_DORMANT_DEACTIVATE", "sometimes")])).expect_err("bad");
        assert_eq!(bad.variable, "CAIRN_DORMANT_DEACTIVATE");
    }
}
