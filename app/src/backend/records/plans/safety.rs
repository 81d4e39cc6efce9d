//! A patient's safety plan: the seven steps (warning signs, coping,
//! distraction, people to ask, professionals and crisis lines, a safer
//! environment, reasons for living), sealed with the patient's key as one
//! value. Written with the patient by anyone who reaches the chart, shown
//! first when the chart is opened in an emergency or a questionnaire's
//! safety question waits for a clinician, and shown whole to the patient
//! in the portal, with the practice's crisis lines.

use super::{first_saved, list, row_for};
use crate::backend::{
    dates::Zone,
    db::schema::{safety_plans, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Phi, PhiValue, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::safety_plan::{SAFETY_ITEM_MAX, SAFETY_ITEMS_MAX, SafetyPlan, SafetyStep},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroize;

/// What is sealed: every step in order, each with its lines.
#[derive(Default, Serialize, Deserialize)]
pub struct SafetyBody {
    pub steps: Vec<(SafetyStep, Vec<String>)>,
}

impl SealedAsJson for SafetyBody {
    fn wipe_fields(&mut self) {
        for line in self.steps.iter_mut().flat_map(|(_, lines)| lines) {
            line.zeroize();
        }
    }
}

/// A safety plan as typed, checked. Health information: never printed.
pub struct SafetyDraft(SafetyBody);

impl std::fmt::Debug for SafetyDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SafetyDraft(<redacted>)")
    }
}

impl Drop for SafetyDraft {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

/// Checks a safety plan as typed: `typed` gives each step's text by its
/// field (one item per line; a step not given is empty). At most
/// [`SAFETY_ITEMS_MAX`] lines of at most [`SAFETY_ITEM_MAX`] characters in
/// each step, and something written in at least one: a plan of nothing
/// would read, in a crisis, as if there were one.
pub fn check(typed: &[(&str, &str)]) -> Result<SafetyDraft, AppError> {
    let mut errors = FieldErrors::new();
    let steps: Vec<(SafetyStep, Vec<String>)> = SafetyStep::ALL
        .into_iter()
        .map(|step| {
            let text = typed
                .iter()
                .find(|(field, _)| *field == step.field())
                .map_or("", |(_, text)| *text);
            let lines = list(
                &mut errors,
                step.field(),
                "lines",
                text,
                (SAFETY_ITEMS_MAX, SAFETY_ITEM_MAX),
            );
            (step, lines)
        })
        .collect();
    if steps.iter().all(|(_, lines)| lines.is_empty()) {
        errors.add(
            SafetyStep::WarningSigns.field(),
            "Write at least one step of the plan, one item per line.",
        );
    }
    errors.into_result()?;
    Ok(SafetyDraft(SafetyBody { steps }))
}

/// The plan as stored, not opened.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = safety_plans)]
struct Stored {
    id: Uuid,
    body_sealed: Vec<u8>,
    version: i32,
    updated_at: OffsetDateTime,
}

/// The current safety plan of the patient `access` is for, as pages show
/// it, if there is one.
pub async fn current(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Option<SafetyPlan>, ReadError> {
    let stored: Option<(Stored, String)> = safety_plans::table
        .inner_join(users::table.on(users::id.eq(safety_plans::updated_by)))
        .filter(safety_plans::patient_id.eq(access.patient_id()))
        .filter(safety_plans::organization_id.eq(access.organization_id()))
        .select((Stored::as_select(), staff_name()))
        .first(conn)
        .await
        .optional()
        .map_err(AppError::from)?;
    let Some((stored, updated_by)) = stored else {
        return Ok(None);
    };
    let body: Phi<SafetyBody> = sealing::open(
        conn,
        vault,
        access,
        columns::SAFETY_PLAN_BODY,
        stored.id,
        stored.body_sealed,
    )
    .await?;
    Ok(Some(SafetyPlan {
        steps: body.expose().steps.clone(),
        version: stored.version,
        updated_by,
        updated_at: zone.minute(stored.updated_at),
    }))
}

/// Saves `draft` as the safety plan of the patient `access` is for, by
/// `updated_by`: the first plan when `version` is 0, else over the plan at
/// `version` (see [`row_for`]; a newer save in between is
/// `EditConflict`, and nothing is overwritten). Answers the new version.
/// Call it in the transaction `access` was recorded in.
pub async fn save(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    updated_by: Uuid,
    version: i32,
    draft: &SafetyDraft,
) -> Result<i32, AppError> {
    let existing: Option<Uuid> = safety_plans::table
        .filter(safety_plans::patient_id.eq(access.patient_id()))
        .select(safety_plans::id)
        .first(conn)
        .await
        .optional()?;
    let id = row_for(existing, version)?;
    let column = columns::SAFETY_PLAN_BODY;
    let body = sealing::seal(conn, vault, access, column, id, &draft.0).await?;
    if existing.is_none() {
        let inserted = diesel::insert_into(safety_plans::table)
            .values((
                safety_plans::id.eq(id),
                safety_plans::organization_id.eq(access.organization_id()),
                safety_plans::patient_id.eq(access.patient_id()),
                safety_plans::body_sealed.eq(body),
                safety_plans::updated_by.eq(updated_by),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        return first_saved(inserted);
    }
    diesel::update(safety_plans::table.find(id))
        .filter(safety_plans::version.eq(version))
        .set((
            safety_plans::body_sealed.eq(body),
            safety_plans::updated_by.eq(updated_by),
            safety_plans::version.eq(version + 1),
        ))
        .returning(safety_plans::version)
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::EditConflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_kept_in_order_and_an_empty_plan_is_refused() {
        let draft = check(&[
            ("reasons", "My daughter\n My dog "),
            ("warning_signs", "Not sleeping"),
        ])
        .expect("valid");
        let steps: Vec<SafetyStep> = draft.0.steps.iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, SafetyStep::ALL);
        assert_eq!(draft.0.steps[0].1, ["Not sleeping"]);
        assert_eq!(draft.0.steps[6].1, ["My daughter", "My dog"]);
        assert!(draft.0.steps[1].1.is_empty());

        let error = check(&[("coping", " \n ")]).expect_err("nothing written");
        assert!(
            error
                .field("warning_signs")
                .is_some_and(|m| m.contains("at least one step"))
        );
    }

    #[test]
    fn each_step_has_its_limits() {
        let many = "line\n".repeat(SAFETY_ITEMS_MAX + 1);
        let long = "x".repeat(SAFETY_ITEM_MAX + 1);
        let error = check(&[("helpers", &many), ("environment", &long)]).expect_err("refused");
        assert!(
            error
                .field("helpers")
                .is_some_and(|m| m.contains("At most"))
        );
        assert!(
            error
                .field("environment")
                .is_some_and(|m| m.contains("characters"))
        );
    }

    #[test]
    fn a_body_round_trips_and_wipes() {
        let mut body = SafetyBody {
            steps: vec![(SafetyStep::Helpers, vec!["Aunt Example, 555 0100".into()])],
        };
        let back = SafetyBody::from_bytes(&body.to_bytes()).expect("parses");
        assert_eq!(back.steps, body.steps);
        body.wipe();
        assert!(body.steps[0].1[0].is_empty());
    }
}
