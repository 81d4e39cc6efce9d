//! `cairn keys`: the operator's key rotations (README, "Rotating keys").
//! Both are resumable: after a crash, run the same command again.

use crate::config::Config;
use anyhow::{Context, bail};
use app::backend::{
    records::patients,
    vault::{
        dek,
        rotate::{self, Target},
    },
};
use clap::Subcommand;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show which KEK versions wrap how many data keys, and any data key
    /// rotation left unfinished.
    Status,
    /// Re-wrap every data key with the current KEK (CAIRN_KEK_CURRENT, or
    /// the highest configured version). Values are not touched.
    RotateKek,
    /// Replace data keys and re-seal every value they sealed: a practice's
    /// (all its patients' keys), or one patient's.
    RotateDek {
        /// The practice, by its short name; may be left out when the
        /// instance serves one practice.
        #[arg(long, alias = "org", value_name = "SLUG", conflicts_with = "patient")]
        practice: Option<String>,
        /// One patient, by id.
        #[arg(long, value_name = "ID")]
        patient: Option<Uuid>,
    },
}

pub async fn run(command: KeysCommand, config: &Config) -> anyhow::Result<()> {
    let mut conn = super::connect(config).await?;
    let vault = &config.vault;
    let missing = dek::missing_keks(&mut conn, vault.keks()).await?;
    if !missing.is_empty() {
        bail!("{}", dek::missing_keks_problem(&missing));
    }
    match command {
        KeysCommand::Status => {
            for (version, keys) in dek::keys_by_kek(&mut conn).await? {
                let mark = if version == vault.keks().current() {
                    " (current)"
                } else {
                    ""
                };
                println!("KEK version {version}{mark}: wraps {keys} data keys");
            }
            let retired = dek::retired_count(&mut conn).await?;
            if retired > 0 {
                println!(
                    "{retired} retired data key(s) still seal values: run `cairn keys rotate-dek` again to finish"
                );
            }
            Ok(())
        }
        KeysCommand::RotateKek => {
            let done = rotate::rotate_kek(&mut conn, vault)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("KEK rotation stopped; nothing is lost, run it again")?;
            println!(
                "Re-wrapped {} data key(s) with KEK version {}. Older versions may be removed from CAIRN_KEKS once every instance runs with this configuration.",
                done.rewrapped, done.version
            );
            Ok(())
        }
        KeysCommand::RotateDek { practice, patient } => {
            let target = match (patient, practice) {
                (Some(patient_id), _) => Target::Patient {
                    organization_id: patients::organization_of(&mut conn, patient_id)
                        .await?
                        .with_context(|| format!("no patient with the id {patient_id}"))?,
                    patient_id,
                },
                (None, practice) => Target::Practice(super::practice(&mut conn, practice).await?),
            };
            let done = rotate::rotate_dek(&mut conn, vault, target, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("data key rotation stopped; nothing is lost, run it again to finish")?;
            println!(
                "Replaced {} data key(s), re-sealed {} value(s), destroyed {} retired key(s).",
                done.retired, done.resealed, done.destroyed
            );
            Ok(())
        }
    }
}
