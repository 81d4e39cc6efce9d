//! `cairn keys`: the operator's key rotations (README, "Rotating keys").
//! Each is resumable: after a crash, run the same command again.

use crate::config::Config;
use anyhow::{Context, bail};
use app::backend::{
    identity::mfa::reseal,
    records::patients,
    vault::{
        dek,
        inventory::{self, KeyKind},
        rotate::{self, Target},
    },
};
use clap::Subcommand;
use diesel_async::AsyncPgConnection;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show every key's age (the configured keys since this database first
    /// saw each, data keys since they were made), which KEK versions wrap
    /// how many data keys, any rotation left unfinished, and warn about
    /// keys older than CAIRN_KEY_MAX_AGE_DAYS.
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
    /// Seal every two-step secret again with the current CAIRN_MFA_KEY
    /// (after a rotation: the old key kept in CAIRN_MFA_RETIRED_KEYS until
    /// this has run).
    ResealMfa,
}

pub async fn run(command: KeysCommand, config: &Config) -> anyhow::Result<()> {
    let mut conn = super::connect(config).await?;
    let vault = &config.vault;
    let missing = dek::missing_keks(&mut conn, vault.keks()).await?;
    if !missing.is_empty() {
        bail!("{}", dek::missing_keks_problem(&missing));
    }
    match command {
        KeysCommand::Status => status(&mut conn, config).await,
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
        KeysCommand::ResealMfa => {
            let done = reseal::reseal_all(&mut conn, &config.mfa.keys)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("re-sealing stopped; nothing is lost, run it again")?;
            println!(
                "Re-sealed {} authenticator secret(s) and {} unfinished set-up(s) with MFA key version {}. CAIRN_MFA_RETIRED_KEYS may be emptied once every instance runs with this configuration.",
                done.factors,
                done.enrollments,
                config.mfa.keys.current_id()
            );
            Ok(())
        }
    }
}

/// `cairn keys status`: each key and its age, what needs finishing, and a
/// warning for every key in use longer than the configured limit.
async fn status(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let limit = i64::from(config.key_max_age_days);
    let mut too_old = Vec::new();
    let wrapped: BTreeMap<u32, i64> = dek::keys_by_kek(conn).await?.into_iter().collect();
    let mfa_sealed = reseal::by_key(conn).await?;
    println!("Keys from configuration, in use since this database first saw each:");
    for age in inventory::ages(conn, &config.configured_keys()).await? {
        let key = age.key;
        let what = match key.kind {
            KeyKind::Kek => {
                let current = if key.version == config.vault.keks().current() {
                    " (current)"
                } else {
                    ""
                };
                let keys = wrapped.get(&key.version).copied().unwrap_or(0);
                format!(
                    "KEK version {}{current}: wraps {keys} data keys",
                    key.version
                )
            }
            KeyKind::BlindIndex => "blind-index key".to_owned(),
            KeyKind::Mfa => {
                let secrets = mfa_sealed.get(&key.version).copied().unwrap_or(0);
                format!(
                    "two-step (MFA) key version {}: seals {secrets} secrets",
                    key.version
                )
            }
            KeyKind::AuditSigning => "audit signing key".to_owned(),
        };
        let days = age.days(now);
        println!("  {what}, in use {days} days");
        if age.past(config.key_max_age_days, now) {
            too_old.push(format!("{what}: {days} days ({})", key.kind.variable()));
        }
    }
    println!(
        "  (the audit signing key's public half, to keep in CAIRN_AUDIT_RETIRED_KEYS once it is replaced: {})",
        config.audit_key.public_base64()
    );
    match dek::in_use(conn).await? {
        (_, None) => println!("Data keys: none yet."),
        (count, Some(oldest)) => {
            let days = (now - oldest).whole_days();
            println!("Data keys: {count} in use, the oldest made {days} days ago.");
            if days > limit {
                too_old.push(format!(
                    "data keys: the oldest is {days} days old (`cairn keys rotate-dek`)"
                ));
            }
        }
    }
    let mfa_current = config.mfa.keys.current_id();
    let mfa_left: i64 = mfa_sealed
        .iter()
        .filter(|(version, _)| **version != mfa_current)
        .map(|(_, count)| count)
        .sum();
    if mfa_left > 0 {
        println!(
            "{mfa_left} two-step secret(s) are sealed with an older MFA key: run `cairn keys reseal-mfa` before removing it from CAIRN_MFA_RETIRED_KEYS"
        );
    }
    let retired = dek::retired_count(conn).await?;
    if retired > 0 {
        println!(
            "{retired} retired data key(s) still seal values: run `cairn keys rotate-dek` again to finish"
        );
    }
    if too_old.is_empty() {
        println!("Every key is younger than {limit} days (CAIRN_KEY_MAX_AGE_DAYS).");
    } else {
        println!(
            "WARNING: in use longer than {limit} days (CAIRN_KEY_MAX_AGE_DAYS); rotate (docs/operations.md, \"Keys\"):"
        );
        for line in too_old {
            println!("  {line}");
        }
    }
    Ok(())
}
