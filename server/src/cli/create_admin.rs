//! `cairn create-admin`: the first administrator of a practice.
//!
//! Values come from flags or environment variables, else from prompts. The
//! password is never a flag (flags show up in process lists): it comes from
//! `CAIRN_ADMIN_PASSWORD` or a prompt that does not echo.

use crate::config::Config;
use anyhow::{Context, bail};
use app::{
    backend::{
        identity::accounts::{self, NewAccount},
        organizations,
    },
    error::AppError,
    model::Role,
};
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The administrator's email address.
    #[arg(long, env = "CAIRN_ADMIN_EMAIL")]
    email: Option<String>,
    /// The administrator's name as colleagues see it.
    #[arg(long, env = "CAIRN_ADMIN_NAME")]
    name: Option<String>,
    /// The practice's name; created if no practice of that name exists.
    #[arg(long, env = "CAIRN_ADMIN_PRACTICE")]
    practice: Option<String>,
}

pub async fn run(args: Args, config: &Config) -> anyhow::Result<()> {
    let practice = value(args.practice, "Practice name")?;
    let email = value(args.email, "Email")?;
    let name = value(args.name, "Full name")?;
    let password = match std::env::var("CAIRN_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => password,
        _ if std::io::stdin().is_terminal() => {
            let first = rpassword::prompt_password("Password (at least 15 characters): ")?;
            let again = rpassword::prompt_password("Password again: ")?;
            if first != again {
                bail!("the two passwords differ; nothing was created");
            }
            first
        }
        _ => bail!("set CAIRN_ADMIN_PASSWORD or run in a terminal to be asked for the password"),
    };

    let Some(slug) = organizations::slugify(&practice) else {
        bail!("practice name: use at least two letters or digits");
    };
    let state = crate::serve::build_state(config)?;
    let mut conn = super::connect(config).await?;
    let organization_id = organizations::find_or_create(&mut conn, practice.trim(), &slug)
        .await
        .context("could not create the practice")?;
    let account = NewAccount {
        email,
        display_name: name,
        role: Role::Admin,
        password,
    };
    match accounts::create_with_password(
        &mut conn,
        &state.passwords,
        &state.vault,
        organization_id,
        account,
    )
    .await
    {
        Ok(_) => {
            println!(
                "Created an administrator in \"{}\". They can sign in now.",
                practice.trim()
            );
            Ok(())
        }
        Err(AppError::Invalid(fields)) => {
            for field in ["email", "display_name", "password"] {
                if let Some(message) = fields.get(field) {
                    eprintln!("  {field}: {message}");
                }
            }
            bail!("nothing was created; correct the values above and try again")
        }
        Err(error) => bail!("{error}"),
    }
}

/// A flag/env value, or a prompt for it.
fn value(given: Option<String>, prompt: &str) -> anyhow::Result<String> {
    if let Some(value) = given.filter(|v| !v.trim().is_empty()) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{prompt} is required (see `cairn create-admin --help`)");
    }
    print!("{prompt}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}
