//! Password hashing with argon2id.
//!
//! Hashing is deliberately expensive, so it runs on a few threads of its
//! own ([`hashers`]) at the lowest CPU priority, with a bound on how many
//! wait: a flood of sign-ins takes only the CPU that pages for people
//! already signed in leave over, and past the bound it is turned away at
//! once. Unknown accounts are checked against a dummy hash made with the
//! same parameters, so the answer takes as long whether or not the account
//! exists.

use crate::error::AppError;
use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};
use tokio::sync::{Semaphore, TryAcquireError};

mod hashers;
mod turned_away;

pub use turned_away::{TurnedAway, TurnedAwaySummary};

/// What a turned-away request is told to wait (`Retry-After`).
pub const SHED_RETRY_SECS: u64 = 5;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: HashCost = HashCost {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    fn params(self) -> Result<Params, argon2::Error> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }
}

/// A stored argon2id PHC string. Not `Serialize`, and `Debug` shows nothing
/// of it: a hash is still an offline-guessing target.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHashString(String);

impl PasswordHashString {
    /// Wraps a hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC text, for writing to the database only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHashString(<redacted>)")
    }
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Correct, and the stored hash uses the current parameters.
    Yes,
    /// Correct, but hashed with other parameters: store a fresh hash.
    YesRehash,
    No,
}

/// Hashes and verifies passwords with a bounded number running at once.
#[derive(Clone)]
pub struct Passwords {
    cost: HashCost,
    params: Params,
    /// Hashes that may run at once.
    concurrency: u32,
    permits: Arc<Semaphore>,
    /// Hashes waiting for a permit now, and how many may wait: past that a
    /// request is turned away at once ([`AppError::Busy`]) instead of
    /// holding its memory and socket for seconds.
    waiting: Arc<AtomicUsize>,
    waiting_limit: usize,
    /// Sign-ins turned away since the trail last recorded them.
    turned_away: TurnedAway,
    hashers: hashers::Hashers,
    dummy: Arc<PasswordHashString>,
}

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passwords")
            .field("cost", &self.cost)
            .finish()
    }
}

impl Passwords {
    /// `max_concurrent` hashes run at once; the rest wait.
    pub fn new(cost: HashCost, max_concurrent: usize) -> Result<Self, argon2::Error> {
        let params = cost.params()?;
        let dummy = hash_blocking(&params, "cairn dummy password for unknown accounts")
            .map_err(|_| argon2::Error::OutputTooShort)?;
        let max_concurrent = max_concurrent.max(1);
        let concurrency = u32::try_from(max_concurrent).unwrap_or(u32::MAX);
        Ok(Self {
            cost,
            params,
            concurrency,
            permits: Arc::new(Semaphore::new(max_concurrent)),
            waiting: Arc::new(AtomicUsize::new(0)),
            waiting_limit: usize::MAX,
            turned_away: TurnedAway::default(),
            hashers: hashers::Hashers::start(max_concurrent),
            dummy: Arc::new(dummy),
        })
    }

    pub fn cost(&self) -> HashCost {
        self.cost
    }

    /// At most `limit` hashes wait for a permit; more are turned away
    /// (`CAIRN_HASH_QUEUE`). Without it, any number wait.
    pub fn with_waiting_limit(mut self, limit: usize) -> Self {
        self.waiting_limit = limit;
        self
    }

    /// Whether a password check asked for now would be turned away: every
    /// permit is taken and as many wait as may. The front door asks this
    /// before reading anything, so a flood is turned away for the cost of
    /// parsing its request (the check itself decides again).
    pub fn is_full(&self) -> bool {
        self.permits.available_permits() == 0
            && self.waiting.load(Ordering::Acquire) >= self.waiting_limit
    }

    /// Sign-ins turned away because the hasher was full, counted until
    /// the trail records them.
    pub fn turned_away(&self) -> &TurnedAway {
        &self.turned_away
    }

    /// Takes every hashing permit until the guard is dropped: what a burst
    /// of sign-ins does to the hasher, for tests and drills.
    pub async fn occupy_all(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.permits
            .clone()
            .acquire_many_owned(self.concurrency)
            .await
            .map_err(|_| AppError::Internal)
    }

    /// Hashes a new password with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<PasswordHashString, AppError> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &password)).await?
    }

    /// Checks `password` against `stored`; with `None` (no such account, or
    /// no password set) it checks a dummy hash and answers `No`, taking the
    /// same time as a real check.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<PasswordHashString>,
    ) -> Result<Verified, AppError> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| (*self.dummy).clone());
        let params = self.params.clone();
        let verified = self
            .run(move || verify_blocking(&params, &password, &stored))
            .await?;
        Ok(if exists { verified } else { Verified::No })
    }

    /// Runs one hash on a blocking thread once a permit is free. Refused
    /// while the request holds a database connection: waiting for a permit
    /// (and hashing) with one in hand starved everyone else of the pool
    /// under a burst of sign-ins, so that is a bug wherever it happens,
    /// found by any test that reaches it (`db::held`).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let held = crate::backend::db::connections_held();
        if held > 0 {
            tracing::error!(
                connections = held,
                "a password hash was asked for while a database connection is held; refused"
            );
            return Err(AppError::Internal);
        }
        // Waiting for the hasher is not this request's own work: its place
        // among the requests being served goes to the next in line.
        crate::backend::slots::step_aside();
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(AppError::Internal),
            Err(TryAcquireError::NoPermits) => {
                let in_line = InLine::join(&self.waiting);
                if in_line.ahead >= self.waiting_limit {
                    return Err(AppError::Busy {
                        retry_after_secs: SHED_RETRY_SECS,
                    });
                }
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| AppError::Internal)?
            }
        };
        // The permit goes with the work: a request that gives up does not
        // free its place until its hash is done.
        self.hashers.run(permit, work).await
    }
}

/// One place in the line for a permit, left when dropped (also when the
/// request is turned away or gives up).
struct InLine<'a> {
    waiting: &'a AtomicUsize,
    /// How many were waiting before this one joined.
    ahead: usize,
}

impl<'a> InLine<'a> {
    fn join(waiting: &'a AtomicUsize) -> Self {
        let ahead = waiting.fetch_add(1, Ordering::AcqRel);
        Self { waiting, ahead }
    }
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, password: &str) -> Result<PasswordHashString, AppError> {
    argon2(params)
        .hash_password(password.as_bytes())
        .map(|hash| PasswordHashString(hash.to_string()))
        .map_err(|error| {
            tracing::error!(%error, "password hashing failed");
            AppError::Internal
        })
}

fn verify_blocking(params: &Params, password: &str, stored: &PasswordHashString) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored.as_str()) else {
        tracing::error!("stored password hash does not parse");
        return Verified::No;
    };
    // Verification uses the parameters recorded in the hash itself.
    if argon2(params)
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == params.m_cost()
                && p.t_cost() == params.t_cost()
                && p.p_cost() == params.p_cost()
        });
    if current {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small parameters keep unit tests quick; the logic is the same.
    const CHEAP: HashCost = HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn passwords(cost: HashCost) -> Passwords {
        Passwords::new(cost, 2).expect("valid parameters")
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let passwords = passwords(CHEAP);
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let check = |pw: &str| passwords.verify(pw.into(), Some(hash.clone()));
        assert_eq!(check("correct horse battery").await, Ok(Verified::Yes));
        assert_eq!(check("correct horse batterY").await, Ok(Verified::No));
    }

    #[tokio::test]
    async fn same_password_gets_a_different_salt_each_time() {
        let passwords = passwords(CHEAP);
        let a = passwords
            .hash("same password here".into())
            .await
            .expect("hash");
        let b = passwords
            .hash("same password here".into())
            .await
            .expect("hash");
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn changed_parameters_ask_for_a_rehash() {
        let old = passwords(CHEAP)
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        let stronger = passwords(HashCost {
            memory_kib: 128,
            ..CHEAP
        });
        assert_eq!(
            stronger
                .verify("correct horse battery".into(), Some(old.clone()))
                .await,
            Ok(Verified::YesRehash)
        );
        assert_eq!(
            stronger
                .verify("wrong horse battery".into(), Some(old))
                .await,
            Ok(Verified::No)
        );
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let passwords = passwords(CHEAP);
        let dummy_password = "cairn dummy password for unknown accounts";
        assert_eq!(
            passwords.verify(dummy_password.into(), None).await,
            Ok(Verified::No)
        );
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_never_verifies() {
        let passwords = passwords(CHEAP);
        let corrupt = PasswordHashString::from_stored("$argon2id$garbage".into());
        assert_eq!(
            passwords.verify("anything".into(), Some(corrupt)).await,
            Ok(Verified::No)
        );
    }

    #[tokio::test]
    async fn past_the_waiting_limit_a_check_is_turned_away_and_the_door_knows() {
        let passwords = Passwords::new(CHEAP, 1)
            .expect("valid parameters")
            .with_waiting_limit(1);
        assert!(!passwords.is_full());
        let busy = passwords.occupy_all().await.expect("permits");
        assert!(!passwords.is_full(), "one may still wait");
        let waiting = {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.verify("first in line".into(), None).await })
        };
        while passwords.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(passwords.is_full());
        assert_eq!(
            passwords.verify("one too many".into(), None).await,
            Err(AppError::Busy {
                retry_after_secs: SHED_RETRY_SECS
            })
        );
        drop(busy);
        assert_eq!(waiting.await.expect("task"), Ok(Verified::No));
        assert!(!passwords.is_full());
    }

    #[test]
    fn debug_never_shows_the_hash() {
        let hash =
            PasswordHashString::from_stored("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into());
        assert!(!format!("{hash:?}").contains("argon2id"));
    }

    #[test]
    fn owasp_cost_is_the_default_recommendation() {
        assert_eq!(HashCost::OWASP.memory_kib, 19_456);
        assert_eq!(HashCost::OWASP.iterations, 2);
        assert!(HashCost::OWASP.params().is_ok());
    }
}
