//! `cairn export`: a whole practice's records into a directory, to move
//! them elsewhere (README, "Leaving Cairn"). Resumable: after a crash, run
//! the same command again.

use crate::config::Config;
use anyhow::bail;
use app::backend::vault::dek;
use std::{path::PathBuf, time::Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The practice, by its short name; may be left out when the instance
    /// serves one practice.
    #[arg(long, alias = "org", value_name = "SLUG")]
    practice: Option<String>,
    /// Where to write: a new or empty directory, or the one a stopped run
    /// for the same practice left (it carries on).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub async fn run(args: Args, config: &Config) -> anyhow::Result<()> {
    let mut conn = super::connect(config).await?;
    let missing = dek::missing_keks(&mut conn, config.vault.keks()).await?;
    if !missing.is_empty() {
        bail!("{}", dek::missing_keks_problem(&missing));
    }
    let practice = super::practice(&mut conn, args.practice).await?;
    let started = Instant::now();
    let done = crate::export::practice(&mut conn, &config.vault, practice, &args.out).await?;
    let took = started.elapsed().as_secs_f64();
    if !done.failed.is_empty() {
        bail!(
            "{} of {} patients could not be exported: a value of their record did not open (the log names each and why). The others are written; run again once it is fixed.",
            done.failed.len(),
            done.patients
        );
    }
    let resources: usize = done.resources.values().sum();
    let earlier = if done.copied == done.patients {
        String::new()
    } else {
        format!(
            " ({} copied now, the others by an earlier run)",
            done.copied
        )
    };
    println!(
        "Exported {} patients into {}{earlier} in {took:.1} s: {resources} FHIR resources in {} bulk files, and a bundle and a readable record for each patient; manifest.json lists them.",
        done.patients,
        args.out.display(),
        done.resources.len(),
    );
    Ok(())
}
