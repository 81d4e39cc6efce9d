//! Rate limits: how often one client (or one account) may ask.
//!
//! Budgets, each a token bucket per key, held in memory (a restart forgets
//! them; the account lockout, which is in the database, does not):
//! - every request from one address (about 600 a minute), applied by the
//!   server's edge to all routes but static files and health checks;
//! - the sensitive endpoints (sign-in, codes, invitations, passwords): about
//!   10 per 15 minutes for one account, which is what stops guessing, and a
//!   generous budget for one address (about 300), since a whole clinic
//!   (its staff and the patients in its waiting room) may sign in from
//!   behind one address.

use crate::error::AppError;
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use std::{fmt, num::NonZeroU32, sync::Arc, time::Duration};

/// The budgets. From configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per minute from one address, all routes.
    pub requests_per_minute: u32,
    /// Attempts per 15 minutes at sign-in, codes, invitations and
    /// passwords, for one account (or one invitation).
    pub sensitive_per_15_minutes: u32,
    /// The same attempts from one address, whoever they are for.
    pub sensitive_per_address_per_15_minutes: u32,
}

impl RateLimits {
    pub const DEFAULT: RateLimits = RateLimits {
        requests_per_minute: 600,
        sensitive_per_15_minutes: 10,
        sensitive_per_address_per_15_minutes: 300,
    };
}

/// One budget: `burst` requests at once, refilled evenly over `window`.
#[derive(Clone)]
pub struct Throttle {
    limiter: Arc<RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>>,
    clock: DefaultClock,
}

impl Throttle {
    pub fn new(burst: u32, window: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let refill = window / burst.get();
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one request for `key`; when the budget is empty, how long
    /// until the next request would be allowed.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Drops keys whose buckets are full again (memory stays bounded by the
    /// clients seen recently).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

/// The budgets, in the application state.
#[derive(Clone, Debug)]
pub struct Throttles {
    pub requests: Throttle,
    per_account: Throttle,
    per_address: Throttle,
}

impl Throttles {
    pub fn new(limits: RateLimits) -> Self {
        let window = Duration::from_secs(15 * 60);
        Self {
            requests: Throttle::new(limits.requests_per_minute, Duration::from_secs(60)),
            per_account: Throttle::new(limits.sensitive_per_15_minutes, window),
            per_address: Throttle::new(limits.sensitive_per_address_per_15_minutes, window),
        }
    }

    /// Spends one sensitive attempt from `address` (the client's
    /// [`throttle_key`]) at `subject` (the account or invitation it is
    /// for); refuses when either budget is spent.
    ///
    /// [`throttle_key`]: crate::backend::client::ClientInfo::throttle_key
    pub fn sensitive(&self, address: &str, subject: &str) -> Result<(), AppError> {
        let mut wait = Duration::ZERO;
        for (budget, key) in [(&self.per_address, address), (&self.per_account, subject)] {
            if let Err(retry) = budget.check(key) {
                wait = wait.max(retry);
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            tracing::warn!("sensitive endpoint throttled");
            Err(AppError::RateLimited {
                retry_after_secs: retry_secs(wait),
            })
        }
    }

    pub fn forget_idle(&self) {
        self.requests.forget_idle();
        self.per_account.forget_idle();
        self.per_address.forget_idle();
    }
}

/// Whole seconds to wait, never 0 (Retry-After: 0 invites a hot loop).
pub fn retry_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_its_burst_then_says_how_long_to_wait() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("10.0.0.1").is_ok());
        }
        let wait = throttle.check("10.0.0.1").expect_err("spent");
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(throttle.check("10.0.0.2").is_ok(), "other keys unaffected");
    }

    #[test]
    fn an_account_is_protected_by_its_own_budget_whichever_address_asks() {
        let throttles = Throttles::new(RateLimits {
            requests_per_minute: 100,
            sensitive_per_15_minutes: 2,
            sensitive_per_address_per_15_minutes: 100,
        });
        let account = "account:a@b.example";
        assert!(throttles.sensitive("ip:1.1.1.1", account).is_ok());
        assert!(throttles.sensitive("ip:2.2.2.2", account).is_ok());
        // A third address, but the account's budget is spent.
        let refused = throttles.sensitive("ip:3.3.3.3", account);
        assert!(matches!(
            refused,
            Err(AppError::RateLimited { retry_after_secs }) if retry_after_secs > 0
        ));
    }

    /// A clinic behind one address: many people, each within their own
    /// budget, all get through; the address's budget is the outer bound.
    #[test]
    fn many_people_behind_one_address_share_its_generous_budget() {
        let throttles = Throttles::new(RateLimits {
            requests_per_minute: 100,
            sensitive_per_15_minutes: 2,
            sensitive_per_address_per_15_minutes: 40,
        });
        for person in 0..40 {
            let account = format!("account:person{person}@clinic.example");
            assert!(
                throttles.sensitive("ip:10.0.0.1", &account).is_ok(),
                "{person}"
            );
        }
        assert!(
            throttles
                .sensitive("ip:10.0.0.1", "account:one-more@clinic.example")
                .is_err()
        );
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_secs(Duration::from_secs(3)), 3);
    }
}
