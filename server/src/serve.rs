//! `cairn serve`: build the state, prepare the database in the background,
//! listen, and shut down gracefully on SIGTERM or Ctrl-C.

use crate::{
    config::Config,
    http::{
        self,
        tls::{self, Certificates, TlsListener},
    },
};
use anyhow::{Context, bail};
use app::backend::{
    AppState,
    db::{Database, migrate, privileges},
    identity::password::Passwords,
    identity::{account_identity, accounts},
    mail::Mailer,
    seed,
    throttle::Throttles,
    vault::{Vault, dek},
};
use axum::serve::ListenerExt;
use leptos::config::{Env, LeptosOptions};
use std::{
    future::{Future, IntoFuture},
    path::{Path, PathBuf},
    pin::Pin,
    time::Duration,
};
use tokio::{net::TcpListener, sync::oneshot};

/// Where a release build (cargo-leptos with `hash-files`) writes the
/// bundle's content hashes: beside the binary `exe`, where leptos reads
/// them to name the files its pages load.
fn hash_file(exe: &Path) -> Option<PathBuf> {
    Some(exe.parent()?.join("hash.txt"))
}

/// This process's binary.
fn this_binary() -> PathBuf {
    std::env::current_exe().unwrap_or_default()
}

/// The wasm's hash in a hash file's text (`js: …`, `wasm: …`, `css: …`
/// lines, as leptos reads them).
fn wasm_hash_in(hashes: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == "wasm").then(|| hash.trim().to_owned())
    })
}

/// Whether pages name the bundle's files by their content's hash.
fn hashed() -> bool {
    hash_file(&this_binary()).is_some_and(|path| path.is_file())
}

/// The browser bundle this binary's pages will load, as leptos names it.
pub fn wasm_file() -> String {
    wasm_file_of(&this_binary())
}

/// The browser bundle the pages of binary `exe` (built in this workspace)
/// load: `cairn.<hash>.wasm` when its build hashed the bundle (`hash.txt`
/// beside it); otherwise the name fixed when leptos was compiled, by
/// `LEPTOS_OUTPUT_NAME` (set by cargo-leptos and by `.cargo/config.toml`;
/// a build without it loads `<name>_bg.wasm`). Tests that start the
/// release binary write a site it will accept with this.
pub fn wasm_file_of(exe: &Path) -> String {
    let hash = hash_file(exe)
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|hashes| wasm_hash_in(&hashes));
    match (hash, option_env!("LEPTOS_OUTPUT_NAME")) {
        (Some(hash), _) => format!("cairn.{hash}.wasm"),
        (None, Some(_)) => "cairn.wasm".to_owned(),
        (None, None) => "cairn_bg.wasm".to_owned(),
    }
}

/// Refuses to serve pages that would never come alive: the site folder
/// must hold the bundle this binary's pages ask for. Otherwise every page
/// renders, asks for a file that is not there, and silently never hydrates.
pub fn check_site(site_root: &std::path::Path) -> anyhow::Result<()> {
    let pkg = site_root.join("pkg");
    if !pkg.is_dir() {
        bail!(
            "CAIRN_SITE_ROOT: {} has no pkg/ folder; build the site first (scripts/dev run, or cargo leptos build --release)",
            site_root.display()
        );
    }
    let wasm = pkg.join(wasm_file());
    if !wasm.is_file() {
        bail!(
            "CAIRN_SITE_ROOT: this binary's pages load pkg/{}, which {} does not have; \
             the binary and the site come from different builds. Build both with \
             `cargo leptos build --release` (or scripts/dev run)",
            wasm_file(),
            pkg.display()
        );
    }
    Ok(())
}

/// The state every request sees, built from configuration without touching
/// the database.
pub fn build_state(config: &Config) -> anyhow::Result<AppState> {
    let leptos_options = LeptosOptions::builder()
        .output_name("cairn")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .hash_files(hashed())
        .site_addr(config.bind)
        .env(if config.is_production() {
            Env::PROD
        } else {
            Env::DEV
        })
        .build();
    let passwords = Passwords::new(config.hash_cost, config.hash_concurrency)
        .context("invalid argon2 parameters (CAIRN_ARGON2_*)")?
        .with_waiting_limit(config.hash_queue);
    Ok(AppState {
        leptos_options,
        db: Database::new(&config.database, config.db_pool_size),
        passwords,
        sessions: config.sessions,
        sign_in: config.sign_in,
        mfa: config.mfa.clone(),
        passkeys: config.passkeys.clone(),
        alerts: config.alerts,
        alert_webhook: config.alert_webhook.clone(),
        unused: config.unused,
        emergency_access: config.emergency_access,
        vault: config.vault.clone(),
        throttles: Throttles::new(config.rate_limits),
        public_url: config.public_url.trim_end_matches('/').to_owned(),
        mailer: match &config.smtp {
            Some((url, from)) => Some(Mailer::new(&url.0, from, &config.public_url).map_err(
                |problem| anyhow::anyhow!("CAIRN_SMTP_URL / CAIRN_MAIL_FROM: {problem}"),
            )?),
            None => None,
        },
        zones: Default::default(),
    })
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    check_site(&config.site_root)?;
    config.refuse_plain_http()?;
    // Read before anything listens: a certificate that does not load stops
    // the start with the reason.
    let certificates = match &config.tls {
        Some(files) => Some(Certificates::load(files.clone()).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let state = build_state(&config)?;
    let (fatal_tx, fatal_rx) = oneshot::channel();
    tokio::spawn(prepare_database(config.clone(), state.db.clone(), fatal_tx));
    tokio::spawn(sweep_expired(state.clone()));
    tokio::spawn(record_turned_away(state.clone()));
    if let Some(mailer) = state.mailer.clone() {
        tokio::spawn(email_notices(mailer, state.db.clone(), state.vault.clone()));
    }
    tokio::spawn(watch_alerts(state.clone()));
    if state.unused.deactivate {
        tokio::spawn(deactivate_unused(state.clone()));
    }

    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("CAIRN_BIND: could not listen on {}", config.bind))?;
    tracing::info!(address = %config.bind, public_url = %config.public_url, "Cairn is listening");

    if let Some(address) = config.metrics_bind {
        let metrics = TcpListener::bind(address)
            .await
            .with_context(|| format!("CAIRN_METRICS_BIND: could not listen on {address}"))?;
        tracing::info!(%address, "metrics for Prometheus at /metrics");
        let router = http::metrics::router(state.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, router).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    if let Some(address) = config.http_redirect_bind {
        let plain = TcpListener::bind(address)
            .await
            .with_context(|| format!("CAIRN_HTTP_REDIRECT_BIND: could not listen on {address}"))?;
        tracing::info!(%address, "plain HTTP redirected to HTTPS");
        let router = tls::redirect_router(&config.public_url);
        tokio::spawn(async move {
            if let Err(error) = axum::serve(plain, router).await {
                tracing::error!(%error, "the HTTP redirect listener stopped");
            }
        });
    }
    let app = http::router(state.clone(), (&config).into())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    // One future either way: plain HTTP, or TLS with the files watched.
    let server: Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>> = match certificates {
        None => Box::pin(
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .into_future(),
        ),
        Some(certificates) => {
            tokio::spawn(tls::watch(certificates.clone()));
            let config = tls::server_config(certificates).map_err(anyhow::Error::msg)?;
            // `tap_io` only so axum hands the peer's address on (ConnectInfo).
            let listener = TlsListener::new(listener, config)?.tap_io(|_| {});
            Box::pin(
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown_signal())
                    .into_future(),
            )
        }
    };
    tokio::select! {
        result = server => result.context("server error")?,
        Ok(reason) = fatal_rx => bail!(reason),
    }
    // The last few seconds' tally, so stopping loses none of it.
    if let Err(error) = accounts::record_turned_away(&state.db, &state.passwords).await {
        tracing::warn!(%error, "could not record the sign-ins turned away");
    }
    tracing::info!("Cairn stopped");
    Ok(())
}

/// Applies migrations (or waits for the database), retrying with backoff
/// while it is unreachable; then opens the readiness gate. In production a
/// database that still holds the demo practice stops the server.
async fn prepare_database(config: Config, db: Database, fatal: oneshot::Sender<String>) {
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1u32;
    loop {
        let result = if config.migrate_on_start {
            migrate::run_pending(&config.migration_database)
                .await
                .map(|applied| {
                    if !applied.is_empty() {
                        tracing::info!(count = applied.len(), "applied migrations");
                    }
                })
        } else {
            // The operator migrates; the schema is theirs to keep current.
            // One connection proves the database answers.
            config
                .database
                .connect()
                .await
                .map(drop)
                .map_err(migrate::MigrateError::Connect)
        };
        match result {
            Ok(()) => break,
            // A setting the operator must change (a certificate, TLS, the
            // role) stops the server with that one line; a database that
            // does not answer yet is waited for, /readyz saying 503.
            Err(error) if error.is_permanent() => {
                let _ = fatal.send(error.to_string());
                return;
            }
            Err(error) => {
                tracing::warn!(attempt, retry_in_ms = delay.as_millis() as u64, %error, "database not ready; will retry");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
                attempt += 1;
            }
        }
    }
    // One connection, as the application's role, for the checks and the
    // upkeep before the gate opens.
    let mut conn = match config.database.connect().await {
        Ok(conn) => conn,
        Err(error) => {
            let _ = fatal.send(format!(
                "could not check the database before serving: {error}"
            ));
            return;
        }
    };
    match refusal(&config, &mut conn).await {
        Ok(None) => {}
        Ok(Some(reason)) => {
            let _ = fatal.send(reason);
            return;
        }
        Err(error) => {
            let _ = fatal.send(format!(
                "could not check the database before serving: {error}"
            ));
            return;
        }
    }
    if config.migrate_on_start
        && let Err(error) = seal_leftovers(&config).await
    {
        // The text stays as it was (nothing is lost); the next start or
        // `cairn migrate` tries again.
        tracing::error!(%error, "could not seal free text stored in the clear");
    }
    // Accounts written before this release get their email's index, and
    // patients' their email and name sealed (as the application's role,
    // so production does it too); until then they read as before.
    match account_identity::seal_existing(&mut conn, &config.vault).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "brought accounts' identities up to date"),
        Err(error) => tracing::error!(%error, "could not bring accounts' identities up to date"),
    }
    note_keys(&config, &mut conn).await;
    db.set_schema_ready();
    tracing::info!("database ready");
}

/// Notes the keys this instance runs with (their ages start the first time
/// they are seen: `cairn keys status`), and logs a warning for any in use
/// longer than the configured limit.
async fn note_keys(config: &Config, conn: &mut diesel_async::AsyncPgConnection) {
    use app::backend::vault::inventory;
    let now = time::OffsetDateTime::now_utc();
    match inventory::ages(conn, &config.configured_keys()).await {
        Ok(ages) => {
            for age in ages
                .iter()
                .filter(|age| age.past(config.key_max_age_days, now))
            {
                tracing::warn!(
                    key = age.key.kind.variable(),
                    version = age.key.version,
                    days = age.days(now),
                    "a key is older than CAIRN_KEY_MAX_AGE_DAYS; rotate it (cairn keys status)"
                );
            }
        }
        Err(error) => tracing::warn!(%error, "could not note the keys in use"),
    }
}

/// Seals free text stored in the clear before it was sealed (see
/// `vault::leftovers`), as part of bringing the schema up to date.
pub(crate) async fn seal_leftovers(config: &Config) -> anyhow::Result<usize> {
    let mut conn = config.migration_database.connect().await?;
    app::backend::vault::leftovers::seal_all(&mut conn, &config.vault)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
}

/// Every 15 seconds: emails security notices not yet emailed, and tells
/// care teams of questionnaires that wait for their review.
async fn email_notices(mailer: Mailer, db: Database, vault: Vault) {
    let mut every = tokio::time::interval(Duration::from_secs(15));
    loop {
        every.tick().await;
        let Ok(mut conn) = db.conn().await else {
            continue;
        };
        match mailer.send_pending(&mut conn, &vault).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "emailed security notices"),
            Err(error) => tracing::warn!(%error, "could not read pending security notices"),
        }
        match app::backend::records::measures::review::notify(&mut conn, &vault, &mailer).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "emailed questionnaire review notices"),
            Err(error) => tracing::warn!(%error, "could not read questionnaires to review"),
        }
    }
}

/// Every few seconds: finds new alerts in the trail (catching up without
/// pause while it is behind) and sends those due.
async fn watch_alerts(state: AppState) {
    use app::backend::audit::alerts::{self, Channels, deliver};
    let channels = Channels {
        email: state.mailer.is_some(),
        webhook: state.alert_webhook.is_some(),
    };
    let senders = deliver::Senders {
        mailer: state.mailer.as_ref(),
        webhook: state.alert_webhook.as_ref(),
    };
    let mut every = tokio::time::interval(ALERTS_WATCHED_EVERY);
    loop {
        every.tick().await;
        let Ok(mut conn) = state.db.conn().await else {
            continue;
        };
        loop {
            match alerts::watch(&mut conn, state.alerts, channels).await {
                Ok(pass) if pass.more => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "could not look for alerts; will try again");
                    break;
                }
            }
        }
        match deliver::send_due(&mut conn, &state.vault, senders).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "delivered alerts"),
            Err(error) => tracing::warn!(%error, "could not deliver alerts; will try again"),
        }
    }
}

/// Every hour (the first a minute after start, once the database is
/// ready): deactivates staff accounts unused for `CAIRN_DORMANT_DAYS`.
async fn deactivate_unused(state: AppState) {
    use app::backend::identity::unused;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let mut every = tokio::time::interval(UNUSED_ACCOUNTS_CHECKED_EVERY);
    loop {
        every.tick().await;
        let Ok(mut conn) = state.db.conn().await else {
            continue;
        };
        match unused::deactivate_unused(&mut conn, state.unused).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "deactivated unused accounts"),
            Err(error) => tracing::warn!(%error, "could not deactivate unused accounts"),
        }
    }
}

/// How often unused accounts are looked for (they are counted in days).
const UNUSED_ACCOUNTS_CHECKED_EVERY: Duration = Duration::from_secs(60 * 60);

/// Every few seconds: records the sign-ins turned away because the hasher
/// was full, as one event (see `accounts::record_turned_away`).
async fn record_turned_away(state: AppState) {
    let mut every = tokio::time::interval(TURNED_AWAY_RECORDED_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = accounts::record_turned_away(&state.db, &state.passwords).await {
            // Unless the write itself failed, the tally is still there
            // for the next try.
            tracing::warn!(%error, "could not record the sign-ins turned away");
        }
    }
}

/// How often the sign-ins turned away are written to the trail.
const TURNED_AWAY_RECORDED_EVERY: Duration = Duration::from_secs(10);
/// How often the trail is read for new alerts, and alerts due are sent.
const ALERTS_WATCHED_EVERY: Duration = Duration::from_secs(5);

/// Once a minute: deletes expired sessions, and forgets rate-limit buckets
/// that have filled up again.
async fn sweep_expired(state: AppState) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        state.throttles.forget_idle();
        let Ok(mut conn) = state.db.conn().await else {
            continue;
        };
        match app::backend::identity::session::activity::sweep(&mut conn).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "swept expired sessions"),
            Err(error) => tracing::warn!(%error, "session sweep failed"),
        }
    }
}

/// Why this database must not be served, if it must not; checked once,
/// before the gate opens, on one connection.
async fn refusal(
    config: &Config,
    conn: &mut diesel_async::AsyncPgConnection,
) -> anyhow::Result<Option<String>> {
    // The trail's and the keys' protection holds only if the server cannot
    // lift it: production serves only as the application's role.
    let excess = privileges::excess(conn).await?;
    if !excess.is_empty() {
        if config.is_production() {
            return Ok(Some(privileges::refusal("DATABASE_URL", &excess)));
        }
        tracing::warn!(
            excess = %excess.join("; "),
            "DATABASE_URL connects with more rights than the application's role; production would refuse it"
        );
    }
    // Production never serves the demo practice: its passwords are public.
    if config.is_production() && seed::demo_present(conn).await? {
        return Ok(Some(
            "production refuses to serve a database that contains the demo practice (its passwords are public); use a fresh database".into(),
        ));
    }
    // Every data key must unwrap: a KEK version that wraps keys but is not
    // configured would make those patients' records unreadable.
    let missing = dek::missing_keks(conn, config.vault.keks()).await?;
    Ok((!missing.is_empty()).then(|| dek::missing_keks_problem(&missing)))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site folder for one test, removed when it is dropped.
    struct Site(std::path::PathBuf);

    impl Site {
        fn new(name: &str) -> Self {
            let root =
                std::env::temp_dir().join(format!("cairn-site-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("pkg")).expect("a temporary folder");
            Self(root)
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_site_without_the_bundle_its_pages_load_is_refused() {
        let site = Site::new("without");
        // The other build's name: what a mismatched site holds.
        let other = if wasm_file() == "cairn.wasm" {
            "cairn_bg.wasm"
        } else {
            "cairn.wasm"
        };
        std::fs::write(site.0.join("pkg").join(other), b"\0asm").expect("written");
        let refused = check_site(&site.0).expect_err("refused");
        assert!(refused.to_string().contains(&wasm_file()), "{refused}");
    }

    #[test]
    fn a_site_with_the_bundle_its_pages_load_is_served() {
        let site = Site::new("with");
        std::fs::write(site.0.join("pkg").join(wasm_file()), b"\0asm").expect("written");
        check_site(&site.0).expect("served");
    }

    #[test]
    fn a_hashed_build_names_its_wasm_by_the_hash_file() {
        let written = "js: Q2Fpcm5KUw\nwasm: 3eXsgRk1WhJ0z_mT2bCjyw\ncss: Y3Nz\n";
        assert_eq!(
            wasm_hash_in(written).as_deref(),
            Some("3eXsgRk1WhJ0z_mT2bCjyw")
        );
        assert_eq!(wasm_hash_in("js: abc\n"), None);
    }

    /// Every cargo command in this workspace builds pages that load the
    /// bundle cargo-leptos writes (`.cargo/config.toml`).
    #[test]
    fn every_build_names_the_bundle_as_cargo_leptos_does() {
        assert_eq!(wasm_file(), "cairn.wasm");
    }
}
