//! What a patient may ask to have amended: the items of their designated
//! record set, named as the request form lists them. Only what the patient
//! could read in a copy of their record is here (their details, each
//! diagnosis, the treatment plan, each signed progress note): never a
//! draft, never a psychotherapy note, never another patient's item, so a
//! request naming anything else is answered as not found.

use crate::backend::{
    db::schema::treatment_plans,
    records::access::{PatientAccess, ReadError},
    records::{diagnoses, notes},
};
use crate::{
    error::AppError,
    model::{
        amendment::{AmendableItem, ItemKind, item_key},
        day::readable,
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Every item of the record of the patient `access` is for that may be
/// amended, in the order of a copy of the record.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    access: &PatientAccess,
) -> Result<Vec<AmendableItem>, ReadError> {
    let patient = access.patient_id();
    let mut items = vec![AmendableItem {
        key: item_key(ItemKind::Details, patient),
        label: "My details (name, date of birth, contact, address, …)".into(),
    }];
    for diagnosis in diagnoses::list(conn, vault, access).await? {
        items.push(AmendableItem {
            key: item_key(ItemKind::Diagnosis, diagnosis.id),
            label: format!(
                "Diagnosis: {} {} (since {})",
                diagnosis.code,
                diagnosis.description,
                readable(&diagnosis.onset_date)
            ),
        });
    }
    let plan: Option<Uuid> = treatment_plans::table
        .filter(treatment_plans::patient_id.eq(patient))
        .filter(treatment_plans::organization_id.eq(access.organization_id()))
        .select(treatment_plans::id)
        .first(conn)
        .await
        .optional()
        .map_err(AppError::from)?;
    if let Some(plan) = plan {
        items.push(AmendableItem {
            key: item_key(ItemKind::Plan, plan),
            label: "My treatment plan".into(),
        });
    }
    let notes = notes::signed_progress(conn, access).await?;
    items.extend(notes.into_iter().map(|note| AmendableItem {
        key: item_key(ItemKind::Note, note.id),
        label: format!(
            "Note of the session on {} ({})",
            readable(&crate::backend::dates::day(note.session_date)),
            note.author
        ),
    }));
    Ok(items)
}
