//! The command line: `cairn [--production] <command>`.

mod audit;
mod create_admin;
mod export;
pub mod healthcheck;
mod keys;
mod retention;

use crate::{config::Config, serve};
use anyhow::bail;
use app::backend::{db::migrate, organizations, seed};
use clap::{Parser, Subcommand};
use diesel_async::AsyncPgConnection;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Cairn: a secure clinic portal for mental-health practices"
)]
pub struct Cli {
    /// Run in production mode (same as CAIRN_ENV=production): insecure
    /// settings and the demo practice are refused.
    #[arg(long, global = true)]
    pub production: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply pending database migrations as the tables' owner
    /// (CAIRN_MIGRATION_DATABASE_URL), then exit.
    Migrate,
    /// Create the demo practice with fake people (development only).
    SeedDemo,
    /// Create an administrator (and their practice, if new).
    CreateAdmin(create_admin::Args),
    /// The audit trail: verify its hash chain, or write a signed checkpoint.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The PHI vault's keys: status, and rotation of the key-encryption
    /// key or of data keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Write every patient of a practice (FHIR bulk data, a bundle and a
    /// readable record each) into a directory, to move elsewhere.
    Export(export::Args),
    /// Records whose retention has ended: report them, or erase them.
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Ask the server running here (at CAIRN_BIND) whether it is alive:
    /// exit 0 if so, 1 if not. For a container's HEALTHCHECK; reads no
    /// other setting.
    Healthcheck(healthcheck::Args),
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::serve(config).await,
        Command::Migrate => {
            let applied = migrate::run_pending(&config.migration_database).await?;
            let sealed = serve::seal_leftovers(&config).await?;
            println!(
                "Applied {} migration(s); the schema is current.",
                applied.len()
            );
            if sealed > 0 {
                println!("Sealed {sealed} value(s) of free text stored in the clear before.");
            }
            Ok(())
        }
        Command::SeedDemo => seed_demo(&config).await,
        Command::CreateAdmin(args) => create_admin::run(args, &config).await,
        Command::Audit(command) => audit::run(command, &config).await,
        Command::Keys(command) => keys::run(command, &config).await,
        Command::Export(args) => export::run(args, &config).await,
        Command::Retention(command) => retention::run(command, &config).await,
        Command::Healthcheck(_) => {
            bail!("healthcheck is answered before the configuration is read")
        }
    }
}

/// Commands that need none of the configuration but `CAIRN_BIND`, answered
/// before the rest is read (and could fail on a setting they never use).
pub fn without_configuration(cli: &Cli) -> Option<ExitCode> {
    let Some(Command::Healthcheck(args)) = &cli.command else {
        return None;
    };
    Some(match Config::bind_from_env() {
        Ok(bind) => healthcheck::run(args, bind, std::env::var_os("CAIRN_TLS_CERT").is_some()),
        Err(error) => {
            eprintln!("cairn: configuration error: {error}");
            ExitCode::from(2)
        }
    })
}

/// Opens one connection for a command (commands do not need a pool).
pub(crate) async fn connect(config: &Config) -> anyhow::Result<AsyncPgConnection> {
    // The error already names the variable and the reason, in one line.
    Ok(config.database.connect().await?)
}

/// The practice named by its short name, or the one this instance serves
/// when none is named.
pub(crate) async fn practice(
    conn: &mut AsyncPgConnection,
    slug: Option<String>,
) -> anyhow::Result<uuid::Uuid> {
    use anyhow::Context;
    match slug {
        Some(slug) => organizations::find_by_slug(conn, &slug)
            .await?
            .with_context(|| format!("no practice with the short name {slug:?}")),
        None => match organizations::single_practice(conn).await? {
            Some((id, _)) => Ok(id),
            None => {
                bail!("this instance serves several practices (or none): name one with --practice")
            }
        },
    }
}

async fn seed_demo(config: &Config) -> anyhow::Result<()> {
    if config.is_production() {
        bail!("seed-demo is refused in production: demo accounts have published passwords");
    }
    migrate::run_pending(&config.migration_database).await?;
    let state = serve::build_state(config)?;
    let mut conn = connect(config).await?;
    let outcome = seed::seed_demo(&mut conn, &state.passwords, &state.vault)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    match outcome {
        seed::Seeded::Created => println!(
            "Created the demo practice \"{}\".",
            seed::DEMO_PRACTICE_NAME
        ),
        seed::Seeded::AlreadyPresent => {
            println!("The demo practice is already there; nothing changed.")
        }
    }
    println!("Demo logins (password for all: {}):", seed::DEMO_PASSWORD);
    for (name, email, role) in seed::DEMO_ACCOUNTS {
        println!("  {:<14} {:<38} {}", role.label(), email, name);
    }
    Ok(())
}
