//! `cairn retention`: the records whose retention has ended, and erasing
//! them (README, "Keeping and erasing records"). Patients are named by id
//! alone: their names stay on the administrators' page, not in a terminal.

use crate::config::Config;
use anyhow::bail;
use app::backend::{records::retention::operator, vault::dek};
use clap::Subcommand;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// List the records whose retention has ended and those under a legal
    /// hold.
    Report {
        /// The practice, by its short name; may be left out when the
        /// instance serves one practice.
        #[arg(long, alias = "org", value_name = "SLUG")]
        practice: Option<String>,
    },
    /// Erase every record whose retention has ended and that no legal hold
    /// keeps: its keys destroyed, its rows removed, a tombstone left.
    Erase {
        /// Required: erase what is due (the report lists it).
        #[arg(long)]
        due: bool,
        #[arg(long, alias = "org", value_name = "SLUG")]
        practice: Option<String>,
    },
}

pub async fn run(command: RetentionCommand, config: &Config) -> anyhow::Result<()> {
    let mut conn = super::connect(config).await?;
    let missing = dek::missing_keks(&mut conn, config.vault.keks()).await?;
    if !missing.is_empty() {
        bail!("{}", dek::missing_keks_problem(&missing));
    }
    match command {
        RetentionCommand::Report { practice } => {
            let practice = super::practice(&mut conn, practice).await?;
            let report = operator::report(&mut conn, &config.vault, practice).await?;
            println!(
                "Records are kept {} years after their last activity (a minor's from age {}). Today: {}.",
                report.retention.years,
                report.retention.age_of_majority,
                app::backend::dates::day(report.today)
            );
            println!("{} record(s) may be erased:", report.due.len());
            for row in &report.due {
                match &row.kept_until {
                    Some(kept) => println!(
                        "  {}  last activity {}  kept until {}",
                        row.patient_id, row.last_activity, kept
                    ),
                    None => println!(
                        "  {}  last activity {}  (does not open; see the log)",
                        row.patient_id, row.last_activity
                    ),
                }
            }
            println!("{} record(s) under a legal hold:", report.held.len());
            for row in &report.held {
                let since = row.hold.as_ref().map_or("", |h| h.placed_on.as_str());
                println!("  {}  held since {since}", row.patient_id);
            }
            Ok(())
        }
        RetentionCommand::Erase { due, practice } => {
            if !due {
                bail!(
                    "say what to erase: --due erases every record whose retention has ended (see `cairn retention report`)"
                );
            }
            let practice = super::practice(&mut conn, practice).await?;
            let started = Instant::now();
            let done = operator::erase_due(&mut conn, &config.vault, practice).await?;
            let took = started.elapsed().as_secs_f64();
            println!(
                "Erased {} record(s) in {took:.1} s; {} under a legal hold kept.",
                done.erased, done.held
            );
            if done.skipped > 0 {
                bail!(
                    "{} due record(s) were not erased (the log names each and why); run again once it is fixed",
                    done.skipped
                );
            }
            Ok(())
        }
    }
}
