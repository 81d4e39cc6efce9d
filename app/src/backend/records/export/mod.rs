//! A copy of one patient's designated record set ([`RecordCopy`]): every
//! section of the record, read through an access that reaches the record
//! set (`Reach::RecordSet`), which opens everything the patient's record key
//! sealed and nothing their psychotherapy key did. The readable document
//! and the FHIR bundle ([`fhir`]) are both made from it.

pub mod fhir;

use crate::backend::{
    dates::{Zone, day},
    identity::authz::{Sensitive, StepUp},
    records::access::{self, OperatorGrant, PatientAccess, ReadError},
    records::{
        amendments, consents, details, diagnoses, insurance, measures, notes, patients, plans,
    },
    vault::Vault,
};
use crate::{
    error::AppError,
    model::{
        audit::AuditAction,
        chart::Addendum,
        record::{CopiedNote, RecordCopy},
    },
};
use diesel_async::AsyncPgConnection;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Whose hands a copy goes into, which decides whether it holds notes of
/// substance-use disorder counseling (42 CFR Part 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFor {
    /// The patient's own copy, from the portal: their right of access
    /// covers every note.
    ThePatient,
    /// A copy staff (or the operator) make: it may leave the practice for
    /// anyone, so counseling notes go only under a consent in force to
    /// disclose them, and then with the notice the rule requires.
    Release,
}

/// The whole record of the patient `access` is for, as of now, in the
/// practice's `zone`, as it may go to `to`. Call it inside the transaction
/// that records the export. Takes the proof that the person confirmed it
/// was them just now for an export (step-up), so no path makes a copy
/// without one.
pub async fn copy(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    (zone, practice): (&Zone, String),
    to: CopyFor,
    fresh: StepUp,
) -> Result<RecordCopy, ReadError> {
    if fresh.action != Sensitive::ExportData {
        return Err(AppError::StepUpRequired.into());
    }
    read(conn, vault, access, (zone, practice), to).await
}

/// The copy of the record `grant` reaches, for the operator's `cairn
/// export`, in one transaction that records it (`record.exported`, by the
/// operator's command). An [`OperatorGrant`] is the operator's proof, as a
/// step-up is a person's.
pub async fn for_operator(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grant: OperatorGrant,
    zone: Zone,
    practice: String,
) -> Result<RecordCopy, ReadError> {
    access::within(
        conn,
        vault,
        grant.spend(),
        AuditAction::RecordExported,
        move |conn, vault, access| {
            Box::pin(
                async move { read(conn, vault, access, (&zone, practice), CopyFor::Release).await },
            )
        },
    )
    .await
}

/// Every section of the record, opened through `access`, as it may go
/// `to`.
async fn read(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    (zone, practice): (&Zone, String),
    to: CopyFor,
) -> Result<RecordCopy, ReadError> {
    let now = OffsetDateTime::now_utc();
    let sud_notes = match to {
        CopyFor::ThePatient => true,
        CopyFor::Release => consents::sud_consent_on(conn, access, zone.today(), zone).await?,
    };
    let (notes, sud_withheld) = signed_notes(conn, vault, access, zone, sud_notes).await?;
    let opened = patients::demographics(conn, vault, access).await?;
    let details = details::read(conn, vault, access, &opened).await?;
    let treatment_plan = plans::treatment::current(conn, vault, access)
        .await?
        .map(|plan| plans::treatment::view(&plan, zone));
    Ok(RecordCopy {
        practice,
        made_at: zone.minute(now),
        made_at_utc: utc(now),
        patient_id: access.patient_id(),
        patient: opened.information(details),
        insurance: insurance::list(conn, vault, access).await?,
        diagnoses: diagnoses::list(conn, vault, access).await?,
        treatment_plan,
        safety_plan: plans::safety::current(conn, vault, access, zone).await?,
        measures: measures::review::trends(conn, vault, access, zone).await?,
        part2_notice: to == CopyFor::Release && notes.iter().any(|note| note.sud),
        notes,
        sud_withheld,
        amendments: amendments::list(conn, vault, access, zone).await?,
        warnings: Vec::new(),
    })
}

/// The signed progress notes of the patient `access` is for, opened, oldest
/// session first, each with its addenda, and how many notes of
/// substance-use counseling were left out (every one, unless `sud_notes`).
/// Drafts are not yet part of the record; psychotherapy notes never are
/// (and the access could not open one: see `PatientAccess::opens`).
async fn signed_notes(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
    sud_notes: bool,
) -> Result<(Vec<CopiedNote>, u32), ReadError> {
    let listed = notes::signed_progress(conn, access).await?;
    let mut copied = Vec::with_capacity(listed.len());
    let mut withheld = 0_u32;
    for notes::SignedNote {
        id,
        template,
        session_date,
        signed_at,
        author,
        sud_counseling,
    } in listed
    {
        if sud_counseling && !sud_notes {
            // Never opened: what a copy may not hold, it does not read.
            withheld += 1;
            continue;
        }
        let body = notes::open_body(conn, vault, access, id).await?;
        let sections = template
            .sections()
            .iter()
            .filter_map(|section| {
                let text = body
                    .expose()
                    .0
                    .iter()
                    .find(|(field, _)| field == section.field)
                    .map(|(_, text)| text.trim())
                    .filter(|text| !text.is_empty())?;
                Some((section.heading.to_owned(), text.to_owned()))
            })
            .collect();
        let addenda = notes::addenda(conn, vault, access, id)
            .await?
            .into_iter()
            .map(|(author, at, text)| Addendum {
                author,
                written_at: zone.minute(at),
                text: text.expose().clone(),
            })
            .collect();
        // A signed note always has its time; the session's day stands in
        // should one ever lack it.
        let signed = signed_at.unwrap_or_else(|| session_date.midnight().assume_utc());
        copied.push(CopiedNote {
            id,
            template,
            session_date: day(session_date),
            author,
            signed_at: zone.minute(signed),
            signed_at_utc: utc(signed),
            sections,
            addenda,
            sud: sud_counseling,
        });
    }
    Ok((copied, withheld))
}

/// `at` as RFC 3339 in UTC, to the second.
fn utc(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}
