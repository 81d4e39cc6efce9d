//! `cairn export`: every patient of a practice, to take elsewhere. For
//! each patient, the FHIR R4 bundle and the readable document the portal
//! makes of their record set ([`document`]); for the practice, the
//! bundles' resources as FHIR bulk data (NDJSON, a file per resource type)
//! and a manifest naming what is there. Psychotherapy notes are not part
//! of a record set, so none is written.
//!
//! ```text
//! DIR/cairn-export           the practice this directory is for
//! DIR/patients/<id>/bundle.json, record.html
//! DIR/fhir/<Type>.ndjson
//! DIR/manifest.json          written last: the export is whole
//! ```
//!
//! Resumable: a patient's files are written into a directory beside
//! theirs and renamed into place once whole and on disk, so a run stopped
//! anywhere (even `kill -9`) leaves each patient written or not at all,
//! and the next run copies only those not written. The bulk files are
//! then made from every patient's bundle.
//!
//! Each copy is recorded (`record.exported`, by the operator's command)
//! in the transaction that reads it. Everything written is health
//! information: the directories are the operator's alone (0700, files
//! 0600).

mod document;
mod files;

use anyhow::{Context, bail};
use app::backend::{
    organizations::{self, PracticeZones},
    records::{
        access::{self, ReadError},
        export::{self, fhir},
    },
    vault::Vault,
};
use diesel_async::AsyncPgConnection;
use serde_json::json;
use std::{collections::BTreeMap, path::Path};
use uuid::Uuid;

/// What a run did.
#[derive(Debug, Default)]
pub struct Exported {
    /// Patients of the practice (every one is in the directory unless
    /// listed in `failed`).
    pub patients: usize,
    /// Copied in this run; the others were written by an earlier one.
    pub copied: usize,
    /// Patients with a value that did not open (the log says which and
    /// why): nothing of theirs is written, and the bulk files and the
    /// manifest wait until a run copies them.
    pub failed: Vec<Uuid>,
    /// Resources written to each bulk file.
    pub resources: BTreeMap<String, usize>,
}

/// Exports every patient of practice `organization_id` into `out`: a new
/// or empty directory, or one an earlier run for the same practice left.
pub async fn practice(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    out: &Path,
) -> anyhow::Result<Exported> {
    files::claim(out, organization_id)?;
    let zone = PracticeZones::default().of(conn, organization_id).await?;
    let name = organizations::name_of(conn, organization_id).await?;
    let grants = access::operator_copies(conn, organization_id).await?;
    let ids: Vec<Uuid> = grants.iter().map(|grant| grant.patient_id()).collect();
    let mut done = Exported {
        patients: ids.len(),
        ..Exported::default()
    };
    for grant in grants {
        let id = grant.patient_id();
        if files::written(out, id) {
            continue;
        }
        let copy = match export::for_operator(conn, vault, grant, zone.clone(), name.clone()).await
        {
            Ok(copy) => copy,
            Err(ReadError::Unreadable { column, why }) => {
                tracing::error!(patient.id = %id, column, %why, "a sealed value did not open; the patient is not exported");
                done.failed.push(id);
                continue;
            }
            Err(ReadError::App(error)) => bail!("reading patient {id}'s record failed: {error}"),
        };
        let bundle = serde_json::to_vec_pretty(&fhir::bundle(&copy))?;
        let readable = document::readable(&copy);
        files::write_patient(
            out,
            id,
            &[
                ("bundle.json", &bundle),
                ("record.html", readable.as_bytes()),
            ],
        )
        .with_context(|| format!("writing patient {id}'s files"))?;
        done.copied += 1;
    }
    if done.failed.is_empty() {
        done.resources = bulk(out, &ids)?;
        files::write_whole(out, "manifest.json", &manifest(&name, &ids, &done))?;
    }
    Ok(done)
}

/// The bulk files: every patient's resources, by type, one per line.
fn bulk(out: &Path, ids: &[Uuid]) -> anyhow::Result<BTreeMap<String, usize>> {
    let mut by_type = files::Lines::new(out.join("fhir"))?;
    for id in ids {
        let bundle: serde_json::Value = serde_json::from_slice(&files::read_patient(
            out,
            *id,
            "bundle.json",
        )?)
        .with_context(|| {
            format!("patient {id}'s bundle.json is not JSON: remove its directory and run again")
        })?;
        for (kind, resource) in fhir::standalone(&bundle) {
            by_type.push(&kind, &serde_json::to_string(&resource)?)?;
        }
    }
    by_type.finish()
}

/// What the directory holds, in the shape of a FHIR bulk data export's
/// manifest (the readable documents named in its extension).
fn manifest(practice: &str, ids: &[Uuid], done: &Exported) -> Vec<u8> {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let output: Vec<_> = done
        .resources
        .iter()
        .map(|(kind, count)| json!({ "type": kind, "url": format!("fhir/{kind}.ndjson"), "count": count }))
        .collect();
    let manifest = json!({
        "transactionTime": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "request": "cairn export",
        "requiresAccessToken": false,
        "output": output,
        "error": [],
        "extension": {
            "practice": practice,
            "patients": ids.len(),
            "readable": ids.iter().map(|id| format!("patients/{id}/record.html")).collect::<Vec<_>>(),
            "bundles": ids.iter().map(|id| format!("patients/{id}/bundle.json")).collect::<Vec<_>>(),
        },
    });
    serde_json::to_vec_pretty(&manifest).unwrap_or_default()
}
