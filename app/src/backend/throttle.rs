//! Rate limits: how often one client (or one account) may ask.
//!
//! Two budgets, each a token bucket per key, held in memory (a restart
//! forgets them; the account lockout, which is in the database, does not):
//! - every request from one IP (about 100 a minute), applied by the server's
//!   edge to all routes but static files and health checks;
//! - the sensitive endpoints (sign-in, invitations, passwords), about 10 per
//!   15 minutes, per IP *and* per account, applied by those functions.

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
    /// Requests per minute from one IP, all routes.
    pub requests_per_minute: u32,
    /// Attempts per 15 minutes at sign-in, invitations and passwords, per
    /// IP and per account.
    pub sensitive_per_15_minutes: u32,
}

impl RateLimits {
    pub const DEFAULT: RateLimits = RateLimits {
        requests_per_minute: 100,
        sensitive_per_15_minutes: 10,
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

/// Both budgets, in the application state.
#[derive(Clone, Debug)]
pub struct Throttles {
    pub requests: Throttle,
    pub sensitive: Throttle,
}

impl Throttles {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            requests: Throttle::new(limits.requests_per_minute, Duration::from_secs(60)),
            sensitive: Throttle::new(
                limits.sensitive_per_15_minutes,
                Duration::from_secs(15 * 60),
            ),
        }
    }

    /// Spends one sensitive attempt for each key (the client's IP, the
    /// account's email, ...); refuses when any is spent out.
    pub fn sensitive(&self, keys: &[String]) -> Result<(), AppError> {
        let mut wait = Duration::ZERO;
        for key in keys {
            if let Err(retry) = self.sensitive.check(key) {
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
        self.sensitive.forget_idle();
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
    fn sensitive_attempts_count_against_every_key() {
        let throttles = Throttles::new(RateLimits {
            requests_per_minute: 100,
            sensitive_per_15_minutes: 2,
        });
        let keys = |ip: &str| vec![format!("ip:{ip}"), "account:a@b.example".to_owned()];
        assert!(throttles.sensitive(&keys("1.1.1.1")).is_ok());
        assert!(throttles.sensitive(&keys("2.2.2.2")).is_ok());
        // A third IP, but the account's budget is spent.
        let refused = throttles.sensitive(&keys("3.3.3.3"));
        assert!(matches!(
            refused,
            Err(AppError::RateLimited { retry_after_secs }) if retry_after_secs > 0
        ));
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_secs(Duration::from_secs(3)), 3);
    }
}
