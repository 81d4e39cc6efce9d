//! Configuration, read once from the environment (plus an optional `.env`)
//! and validated before anything listens. A missing or malformed value stops
//! the process with a message naming the variable. The README's
//! configuration table lists every variable; keep the two in step.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_ENV` | `development` | `production` refuses insecure settings (also `--production`) |
//! | `DATABASE_URL` | required | PostgreSQL URL of the application's role (`cairn_app`); production refuses a superuser, the tables' owner, or a role that may change the trail or delete what the practice keeps; `sslmode` as in libpq (`disable`, `prefer` (the default off loopback; unset on loopback is plain), `require`, `verify-ca`, `verify-full`), `sslrootcert` a CA bundle or `system`; production requires `verify-full` unless the host is loopback or a Unix socket |
//! | `CAIRN_MIGRATION_DATABASE_URL` | `DATABASE_URL` | PostgreSQL URL of the tables' owner, used only to migrate (`cairn migrate`, `seed-demo`, and `serve` when `CAIRN_MIGRATE_ON_START` is on); same TLS rules |
//! | `CAIRN_DB_CA_FILE` | none | PEM CA bundle for the database's certificate (the URL's `sslrootcert` wins) |
//! | `CAIRN_PUBLIC_URL` | `http://127.0.0.1:3000`; required (https) in production | origin people use |
//! | `CAIRN_SITE_ROOT` | `target/site` | folder with the built pkg/ and assets |
//! | `CAIRN_MIGRATE_ON_START` | `true`; `false` in production | apply pending migrations at `serve` start, as `CAIRN_MIGRATION_DATABASE_URL` |
//! | `CAIRN_DB_POOL_SIZE` | `10` | maximum database connections |
//! | `CAIRN_CONCURRENT_REQUESTS` | 6 × the number of CPUs | requests served at once; the rest wait in line, first come first served (`0`: no line) |
//! | `CAIRN_LOG` | `info` | log filter (tracing `EnvFilter` syntax) |
//! | `CAIRN_LOG_FORMAT` | `pretty`; `json` in production | log line format |
//! | `CAIRN_REQUEST_TIMEOUT_SECS` | `30` | whole-request timeout |
//! | `CAIRN_MAX_BODY_BYTES` | `1048576` | request body limit |
//! | `CAIRN_ARGON2_MEMORY_KIB` | `19456` | argon2id memory; production refuses less |
//! | `CAIRN_ARGON2_ITERATIONS` | `2` | argon2id passes; production refuses less |
//! | `CAIRN_ARGON2_PARALLELISM` | `1` | argon2id lanes |
//! | `CAIRN_HASH_CONCURRENCY` | number of CPUs | password hashes computed at once |
//! | `CAIRN_HASH_QUEUE` | `16` | password checks that may wait for one; more are turned away (429) |
//! | `CAIRN_SESSION_IDLE_SECS` | `900` | idle timeout (15 min) |
//! | `CAIRN_SESSION_IDLE_ADMIN_SECS` | `CAIRN_SESSION_IDLE_SECS` | idle timeout for administrators |
//! | `CAIRN_SESSION_ABSOLUTE_SECS` | `28800` | absolute session lifetime (8 h) |
//! | `CAIRN_SESSION_WARNING_SECS` | `120` | the browser warns this long before the idle timeout |
//! | `CAIRN_SESSIONS_PER_USER` | `3` | concurrent sessions; the oldest ends first |
//! | `CAIRN_LOCKOUT_THRESHOLD` | `5` | consecutive failed sign-ins that lock an account |
//! | `CAIRN_CODE_LOCKOUT_THRESHOLD` | `10` | consecutive wrong two-step codes, across sign-ins, that lock an account |
//! | `CAIRN_LOCKOUT_SECS` | `900` | how long the lock lasts (15 min) |
//! | `CAIRN_RATE_LIMIT_PER_MINUTE` | `600` | requests per minute from one address (static files exempt) |
//! | `CAIRN_SENSITIVE_LIMIT` | `10` | sign-in, code, invitation and password attempts per 15 min for one account |
//! | `CAIRN_SENSITIVE_LIMIT_PER_ADDRESS` | `300` | the same attempts per 15 min from one address, for all accounts (a clinic may sit behind one) |
//! | `CAIRN_SMTP_URL` | none | SMTP relay for security notices (`smtps://user:pass@host`, or `smtp://host:587?tls=required`); production refuses unencrypted |
//! | `CAIRN_MAIL_FROM` | required with `CAIRN_SMTP_URL` | sender mailbox, e.g. `Cairn <security@clinic.example>` |
//! | `CAIRN_EMERGENCY_ACCESS_MINUTES` | `60` | how long a therapist's emergency ("break the glass") access to a chart lasts |
//! | `CAIRN_TRUSTED_PROXIES` | none | comma-separated proxy IPs whose X-Forwarded-For is believed |
//!
//! Where it listens, and HTTPS: see [`listen`]. Alerts: see [`alerts`]. Unused accounts: see [`accounts`]. Keys over time: see [`keys`]. Two-step verification: see [`mfa`].
//! The PHI vault's keys: see [`vault`].

mod accounts;
mod alerts;
mod database;
mod keys;
mod listen;
mod mfa;
mod parse;
mod passkeys;
mod vault;

use parse::{bounded, parse, parse_bool};

use app::backend::{
    SignInPolicy, audit::alerts::AlertPolicy, db::DatabaseTarget, identity::mfa::MfaPolicy,
    identity::password::HashCost, identity::session::SessionPolicy, throttle::RateLimits,
};
use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

/// Where Cairn runs: development allows conveniences production refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// Where the database is and how to reach it as the application's
    /// role (`DATABASE_URL`, `CAIRN_DB_CA_FILE`). `Debug` never shows the
    /// URL.
    pub database: DatabaseTarget,
    /// The same database as the tables' owner, for migrations only
    /// (`CAIRN_MIGRATION_DATABASE_URL`; `DATABASE_URL` when unset).
    pub migration_database: DatabaseTarget,
    pub bind: SocketAddr,
    /// The Prometheus listener's address, when metrics are on.
    pub metrics_bind: Option<SocketAddr>,
    /// Certificate and key when `serve` speaks TLS itself.
    pub tls: Option<crate::http::tls::TlsFiles>,
    pub http_redirect_bind: Option<SocketAddr>,
    pub public_url: String,
    pub site_root: PathBuf,
    pub migrate_on_start: bool,
    pub db_pool_size: u32,
    /// Requests served at once (`backend::slots`); 0 for no line.
    pub concurrent_requests: usize,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub hash_cost: HashCost,
    pub hash_concurrency: usize,
    /// Password checks that may wait for a hashing permit; more are turned
    /// away at once (429).
    pub hash_queue: usize,
    pub sessions: SessionPolicy,
    pub sign_in: SignInPolicy,
    pub rate_limits: RateLimits,
    /// (SMTP URL, sender), when security notices are emailed.
    pub smtp: Option<(SecretUrl, String)>,
    pub trusted_proxies: Vec<IpAddr>,
    pub mfa: MfaPolicy,
    pub passkeys: app::backend::identity::passkeys::PasskeyPolicy,
    pub alerts: AlertPolicy,
    /// Where new alerts are POSTed, when configured.
    pub alert_webhook: Option<app::backend::audit::alerts::webhook::Webhook>,
    pub unused: app::backend::identity::unused::UnusedPolicy,
    /// How long emergency access lasts (`CAIRN_EMERGENCY_ACCESS_MINUTES`).
    pub emergency_access: Duration,
    /// The PHI vault's keys (`CAIRN_KEKS`, `CAIRN_BLIND_INDEX_KEY`).
    pub vault: app::backend::vault::Vault,
    /// Signs audit checkpoints (`CAIRN_AUDIT_SIGNING_KEY`).
    pub audit_key: app::backend::audit::checkpoint::CheckpointKey,
    /// Verify checkpoints signed before a rotation (`CAIRN_AUDIT_RETIRED_KEYS`).
    pub audit_retired: Vec<app::backend::audit::checkpoint::VerifyingKey>,
    /// Keys in use longer are warned about (`CAIRN_KEY_MAX_AGE_DAYS`).
    pub key_max_age_days: u32,
}

/// A URL that may carry a password (SMTP). `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(pub String);

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretUrl(<redacted>)")
    }
}

/// A variable that is missing or malformed, and why: the same type the
/// database's address answers with.
pub use app::backend::setting::SettingError as ConfigError;

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::new(variable, problem)
}

impl Config {
    /// Reads the process environment. `production` forces production mode.
    pub fn from_env(production: bool) -> Result<Self, ConfigError> {
        Self::from_lookup(production, |name| std::env::var(name).ok())
    }

    /// `CAIRN_BIND` alone, for `cairn healthcheck`.
    pub fn bind_from_env() -> Result<SocketAddr, ConfigError> {
        listen::bind(&set_values(|name| std::env::var(name).ok()))
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(
        production_flag: bool,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let var = set_values(lookup);

        let environment = match var("CAIRN_ENV").as_deref() {
            _ if production_flag => Environment::Production,
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(_) => {
                return Err(problem(
                    "CAIRN_ENV",
                    "expected `development` or `production`",
                ));
            }
        };
        let production = environment == Environment::Production;

        let (database, migration_database) = database::targets(&var, production)?;

        let bind = listen::bind(&var)?;
        let metrics_bind = listen::metrics(&var, bind)?;

        let public_url = match var("CAIRN_PUBLIC_URL") {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if production => {
                return Err(problem(
                    "CAIRN_PUBLIC_URL",
                    "required in production: the https:// origin people use",
                ));
            }
            None if var("CAIRN_TLS_CERT").is_some() => format!("https://{bind}"),
            None => format!("http://{bind}"),
        };
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(problem(
                "CAIRN_PUBLIC_URL",
                "expected an http:// or https:// origin",
            ));
        }
        if production && !public_url.starts_with("https://") {
            return Err(problem("CAIRN_PUBLIC_URL", "production requires https://"));
        }
        let tls = listen::tls(&var, &public_url)?;

        let log_format = match var("CAIRN_LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(problem("CAIRN_LOG_FORMAT", "expected `pretty` or `json`")),
        };

        let hash_cost = HashCost {
            memory_kib: parse(
                &var,
                "CAIRN_ARGON2_MEMORY_KIB",
                Some(HashCost::OWASP.memory_kib),
                "a whole number of KiB",
            )?,
            iterations: parse(
                &var,
                "CAIRN_ARGON2_ITERATIONS",
                Some(HashCost::OWASP.iterations),
                "a whole number",
            )?,
            parallelism: parse(
                &var,
                "CAIRN_ARGON2_PARALLELISM",
                Some(HashCost::OWASP.parallelism),
                "a whole number",
            )?,
        };
        if production && hash_cost.memory_kib < HashCost::OWASP.memory_kib {
            return Err(problem(
                "CAIRN_ARGON2_MEMORY_KIB",
                "production requires at least 19456 (OWASP)",
            ));
        }
        if production && hash_cost.iterations < HashCost::OWASP.iterations {
            return Err(problem(
                "CAIRN_ARGON2_ITERATIONS",
                "production requires at least 2 (OWASP)",
            ));
        }
        if !(8..=4 * 1024 * 1024).contains(&hash_cost.memory_kib) {
            return Err(problem(
                "CAIRN_ARGON2_MEMORY_KIB",
                "expected between 8 and 4194304",
            ));
        }
        if !(1..=16).contains(&hash_cost.iterations) || !(1..=16).contains(&hash_cost.parallelism) {
            return Err(problem(
                "CAIRN_ARGON2_ITERATIONS",
                "iterations and parallelism must be between 1 and 16",
            ));
        }

        let seconds =
            |name, default, max| bounded(&var, name, default, 1..=max).map(Duration::from_secs);
        let idle = seconds("CAIRN_SESSION_IDLE_SECS", 15 * 60, 24 * 3600)?;
        let sessions = SessionPolicy {
            idle_admin: seconds("CAIRN_SESSION_IDLE_ADMIN_SECS", idle.as_secs(), 24 * 3600)?,
            idle_therapist: idle,
            idle_patient: idle,
            idle_anonymous: idle,
            absolute: seconds("CAIRN_SESSION_ABSOLUTE_SECS", 8 * 3600, 7 * 24 * 3600)?,
            max_per_user: bounded(&var, "CAIRN_SESSIONS_PER_USER", 3, 1..=50)?,
            warn_before: seconds("CAIRN_SESSION_WARNING_SECS", 120, 3600)?,
        };
        let sign_in = SignInPolicy {
            lockout_threshold: bounded(&var, "CAIRN_LOCKOUT_THRESHOLD", 5, 1..=100)?,
            lockout: seconds("CAIRN_LOCKOUT_SECS", 15 * 60, 7 * 24 * 3600)?,
            code_lockout_threshold: bounded(&var, "CAIRN_CODE_LOCKOUT_THRESHOLD", 10, 1..=1000)?,
        };
        let rate_limits = RateLimits {
            requests_per_minute: bounded(
                &var,
                "CAIRN_RATE_LIMIT_PER_MINUTE",
                RateLimits::DEFAULT.requests_per_minute,
                1..=1_000_000,
            )?,
            sensitive_per_15_minutes: bounded(
                &var,
                "CAIRN_SENSITIVE_LIMIT",
                RateLimits::DEFAULT.sensitive_per_15_minutes,
                1..=1_000_000,
            )?,
            sensitive_per_address_per_15_minutes: bounded(
                &var,
                "CAIRN_SENSITIVE_LIMIT_PER_ADDRESS",
                RateLimits::DEFAULT.sensitive_per_address_per_15_minutes,
                1..=1_000_000,
            )?,
        };
        let alerts = alerts::policy(&var)?;
        let smtp = match (var("CAIRN_SMTP_URL"), var("CAIRN_MAIL_FROM")) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(problem(
                    "CAIRN_MAIL_FROM",
                    "required when CAIRN_SMTP_URL is set",
                ));
            }
            (Some(url), Some(from)) => {
                let encrypted = url.starts_with("smtps://") || url.contains("tls=required");
                if production && !encrypted {
                    return Err(problem(
                        "CAIRN_SMTP_URL",
                        "production requires smtps:// or ?tls=required",
                    ));
                }
                Some((SecretUrl(url), from))
            }
        };
        let trusted_proxies = match var("CAIRN_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|ip| ip.trim().parse::<IpAddr>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    problem(
                        "CAIRN_TRUSTED_PROXIES",
                        "expected comma-separated IP addresses",
                    )
                })?,
        };

        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let passkeys = passkeys::policy(&var, &public_url)?;
        let alert_webhook = alerts::webhook(&var, &public_url)?;
        let config = Config {
            environment,
            database,
            migration_database,
            bind,
            metrics_bind,
            http_redirect_bind: listen::redirect(&var, bind, tls.is_some())?,
            tls,
            public_url,
            site_root: PathBuf::from(
                var("CAIRN_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            ),
            // In production the operator migrates (`cairn migrate`, as the
            // owner) before starting the new version, unless they ask.
            migrate_on_start: parse_bool(&var, "CAIRN_MIGRATE_ON_START", !production)?,
            db_pool_size: bounded(&var, "CAIRN_DB_POOL_SIZE", 10, 1..=500)?,
            // Measured on 2 cores with the database beside it (the sign-in
            // burst benchmark): 12 served at once kept the chart's rate and
            // cut its p99 by more than half; 8 left the cores idle while
            // commits were flushed, and no line at all let 32 share them.
            concurrent_requests: bounded(&var, "CAIRN_CONCURRENT_REQUESTS", 6 * cpus, 0..=10_000)?,
            log_filter: var("CAIRN_LOG").unwrap_or_else(|| "info".to_owned()),
            log_format,
            request_timeout: Duration::from_secs(bounded(
                &var,
                "CAIRN_REQUEST_TIMEOUT_SECS",
                30,
                1..=600,
            )?),
            max_body_bytes: bounded(
                &var,
                "CAIRN_MAX_BODY_BYTES",
                1024 * 1024,
                1024..=64 * 1024 * 1024,
            )?,
            hash_cost,
            hash_concurrency: bounded(&var, "CAIRN_HASH_CONCURRENCY", cpus, 1..=256)?,
            hash_queue: bounded(&var, "CAIRN_HASH_QUEUE", 16, 1..=100_000)?,
            sessions,
            sign_in,
            rate_limits,
            smtp,
            trusted_proxies,
            mfa: mfa::policy(&var, production)?,
            passkeys,
            alerts,
            alert_webhook,
            unused: accounts::unused(&var)?,
            emergency_access: Duration::from_secs(
                60 * bounded(&var, "CAIRN_EMERGENCY_ACCESS_MINUTES", 60, 5..=24 * 60)?,
            ),
            audit_key: app::backend::audit::checkpoint::CheckpointKey::from_seed(&keys::key_from(
                &var,
                "CAIRN_AUDIT_SIGNING_KEY",
                "cairn development-only audit checkpoint key: public, never use in production",
                production,
            )?),
            audit_retired: keys::retired_audit_keys(&var)?,
            key_max_age_days: bounded(&var, "CAIRN_KEY_MAX_AGE_DAYS", 90, 1..=3650)?,
            vault: vault::vault(&var, production)?,
        };
        Ok(config)
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

/// The variables that hold something: values trimmed, blank ones unset.
fn set_values(lookup: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(production: bool, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Config::from_lookup(production, |name| vars.get(name).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://cairn:secret@localhost/cairn");
    /// A test-only key (32 bytes of 0x07); production needs one.
    const MFA_KEY: (&str, &str) = (
        "CAIRN_MFA_KEY",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    );
    /// Test-only vault keys (a KEK of 32 bytes of 0x05, a blind-index key
    /// of 0x06); production needs both.
    const VAULT_KEYS: [(&str, &str); 2] = [
        (
            "CAIRN_KEKS",
            "1:BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=",
        ),
        (
            "CAIRN_BLIND_INDEX_KEY",
            "BgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgY=",
        ),
    ];
    /// A test-only checkpoint signing key (32 bytes of 0x07).
    const AUDIT_KEY: (&str, &str) = (
        "CAIRN_AUDIT_SIGNING_KEY",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    );

    #[test]
    fn production_needs_a_real_audit_signing_key() {
        let https = ("CAIRN_PUBLIC_URL", "https://cairn.example");
        let missing = config(true, &[DB, https, MFA_KEY]).expect_err("missing");
        assert_eq!(missing.variable, "CAIRN_AUDIT_SIGNING_KEY");
        let ok = config(
            true,
            &[DB, https, MFA_KEY, AUDIT_KEY, VAULT_KEYS[0], VAULT_KEYS[1]],
        )
        .expect("valid");
        let shown = format!("{ok:?}");
        assert!(
            !shown.contains("BwcH") && !shown.contains("BQUF") && !shown.contains("BgYG"),
            "no key is ever printed"
        );
        assert!(
            config(false, &[DB]).is_ok(),
            "development has a public stand-in"
        );
    }

    #[test]
    fn development_defaults_need_only_a_database() {
        let config = config(false, &[DB]).expect("valid");
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.hash_cost, HashCost::OWASP);
        assert_eq!(config.sessions, SessionPolicy::DEFAULT);
        assert_eq!(config.sign_in, SignInPolicy::DEFAULT);
        assert!(config.trusted_proxies.is_empty());
        assert!(config.migrate_on_start);
    }

    #[test]
    fn a_missing_database_url_is_named() {
        let error = config(false, &[]).expect_err("missing");
        assert_eq!(error.variable, "DATABASE_URL");
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (name, value) in [
            ("CAIRN_BIND", "not an address"),
            ("CAIRN_ENV", "staging"),
            ("CAIRN_DB_POOL_SIZE", "0"),
            ("CAIRN_MIGRATE_ON_START", "maybe"),
            ("CAIRN_LOG_FORMAT", "xml"),
            ("CAIRN_REQUEST_TIMEOUT_SECS", "-1"),
            ("CAIRN_SESSION_IDLE_SECS", "0"),
            ("CAIRN_TRUSTED_PROXIES", "10.0.0.1, proxy.internal"),
        ] {
            let error = config(false, &[DB, (name, value)]).expect_err(name);
            assert_eq!(error.variable, name, "{error}");
        }
    }

    #[test]
    fn production_requires_an_https_public_url() {
        let error = config(true, &[DB]).expect_err("no public url");
        assert_eq!(error.variable, "CAIRN_PUBLIC_URL");
        let error =
            config(true, &[DB, ("CAIRN_PUBLIC_URL", "http://cairn.example")]).expect_err("http");
        assert!(error.problem.contains("https"), "{error}");
        let ok = config(
            false,
            &[
                DB,
                ("CAIRN_ENV", "production"),
                ("CAIRN_PUBLIC_URL", "https://cairn.example/"),
                MFA_KEY,
                AUDIT_KEY,
                VAULT_KEYS[0],
                VAULT_KEYS[1],
            ],
        )
        .expect("valid");
        assert!(ok.is_production());
        assert_eq!(ok.public_url, "https://cairn.example");
        assert_eq!(ok.log_format, LogFormat::Json);
        assert!(
            !ok.migrate_on_start,
            "production serves as the application's role, which cannot migrate"
        );
    }

    #[test]
    fn email_needs_a_sender_and_in_production_encryption() {
        let https = ("CAIRN_PUBLIC_URL", "https://cairn.example");
        let plain = ("CAIRN_SMTP_URL", "smtp://mail.example:587");
        let from = ("CAIRN_MAIL_FROM", "Cairn <security@cairn.example>");
        let error = config(false, &[DB, plain]).expect_err("no sender");
        assert_eq!(error.variable, "CAIRN_MAIL_FROM");
        assert!(config(false, &[DB, plain, from]).is_ok_and(|c| c.smtp.is_some()));
        let error = config(true, &[DB, https, plain, from]).expect_err("unencrypted");
        assert_eq!(error.variable, "CAIRN_SMTP_URL");
        let tls = ("CAIRN_SMTP_URL", "smtps://user:secret@mail.example");
        let ok = config(
            true,
            &[
                DB,
                https,
                tls,
                from,
                MFA_KEY,
                AUDIT_KEY,
                VAULT_KEYS[0],
                VAULT_KEYS[1],
            ],
        )
        .expect("valid");
        assert!(
            !format!("{ok:?}").contains("secret"),
            "the password is never printed"
        );
    }

    #[test]
    fn production_refuses_weak_password_hashing() {
        let https = ("CAIRN_PUBLIC_URL", "https://cairn.example");
        let error =
            config(true, &[DB, https, ("CAIRN_ARGON2_MEMORY_KIB", "1024")]).expect_err("weak");
        assert_eq!(error.variable, "CAIRN_ARGON2_MEMORY_KIB");
        assert!(config(false, &[DB, ("CAIRN_ARGON2_MEMORY_KIB", "1024")]).is_ok());
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = config(false, &[DB]).expect("valid");
        assert!(!format!("{config:?}").contains("secret"));
    }
}
