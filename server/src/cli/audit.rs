//! `cairn audit verify` and `cairn audit checkpoint`: the operator's tools
//! for proving the trail is whole.

use crate::config::Config;
use anyhow::{Context, bail};
use app::backend::audit::{
    checkpoint::Checkpoint,
    verify::{self, Report},
};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the whole hash chain and report the first broken or
    /// missing link; with --checkpoint, also prove the trail still holds
    /// each signed head. Exits non-zero when anything is wrong.
    Verify {
        /// A file of checkpoints (one per line) written by `cairn audit checkpoint`.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Verify the chain, then print the head (id, hash, time) of each of
    /// its lanes, signed with CAIRN_AUDIT_SIGNING_KEY, one line each, to
    /// keep somewhere outside the database.
    Checkpoint {
        /// Append to this file instead of printing.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub async fn run(command: AuditCommand, config: &Config) -> anyhow::Result<()> {
    let mut conn = super::connect(config).await?;
    match command {
        AuditCommand::Verify { checkpoints } => {
            let keys: Vec<_> = std::iter::once(config.audit_key.verifying())
                .chain(config.audit_retired.iter().copied())
                .collect();
            let mut signed = Vec::new();
            for path in &checkpoints {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                for (n, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    signed.push(
                        Checkpoint::parse(line, &keys)
                            .with_context(|| format!("{} line {}", path.display(), n + 1))?,
                    );
                }
            }
            let report = verify::verify(&mut conn, &signed).await?;
            verify::remember(&mut conn, &report).await?;
            print_report(&report, signed.len());
            if let Some(problem) = report.problem {
                bail!("the audit trail is not intact: {problem}");
            }
            Ok(())
        }
        AuditCommand::Checkpoint { out } => {
            let report = verify::verify(&mut conn, &[]).await?;
            verify::remember(&mut conn, &report).await?;
            if let Some(problem) = report.problem {
                bail!("refusing to sign a broken trail: {problem}");
            }
            if report.heads.is_empty() {
                bail!("the audit trail is empty: nothing to checkpoint yet");
            }
            let at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            // One line per lane: each signs that lane's head, so every lane
            // is held to what it was.
            let lines: Vec<String> = report
                .heads
                .iter()
                .map(|&(id, hash)| config.audit_key.sign(id, hash, at).to_line())
                .collect();
            match out {
                Some(path) => {
                    use std::io::Write;
                    let mut file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .with_context(|| format!("could not open {}", path.display()))?;
                    for line in &lines {
                        writeln!(file, "{line}")?;
                    }
                    tracing::info!(lanes = lines.len(), file = %path.display(), "audit checkpoint appended");
                }
                // The command's output itself: lines to keep (`>> file`).
                None => {
                    for line in &lines {
                        println!("{line}");
                    }
                }
            }
            tracing::info!(
                public_key = %config.audit_key.public_base64(),
                "checkpoints verify anywhere with this public key"
            );
            Ok(())
        }
    }
}

/// The command's answer, on standard output like every `cairn` command's
/// result (ids and counts only: the trail holds no PHI, and neither does
/// this).
fn print_report(report: &Report, checkpoints: usize) {
    match (&report.problem, report.head) {
        (None, Some((id, _))) => println!(
            "The audit trail is intact: {} events, head at event {id}; {checkpoints} checkpoint(s) found in it.",
            report.events
        ),
        (None, None) => println!("The audit trail is empty."),
        (Some(problem), _) => println!("After {} events: {problem}", report.events),
    }
}
