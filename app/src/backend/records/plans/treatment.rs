//! A patient's treatment plan: goals, objectives and interventions (sealed
//! with the patient's key as one value) and the date it is next reviewed.
//! One current plan per patient, edited in place: each save names the
//! version it started from, so two therapists editing at once cannot
//! silently overwrite each other. The portal shows the patient the goals.

use super::{first_saved, list, row_for};
use crate::backend::{
    dates::{Zone, check_day, day},
    db::schema::{treatment_plans, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Phi, PhiValue, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::chart::{PLAN_ITEM_MAX, PLAN_ITEMS_MAX, TreatmentPlan},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroize;

/// What is sealed: the three lists.
#[derive(Default, Serialize, Deserialize)]
pub struct PlanBody {
    pub goals: Vec<String>,
    pub objectives: Vec<String>,
    pub interventions: Vec<String>,
}

impl SealedAsJson for PlanBody {
    fn wipe_fields(&mut self) {
        for item in self
            .goals
            .iter_mut()
            .chain(&mut self.objectives)
            .chain(&mut self.interventions)
        {
            item.zeroize();
        }
    }
}

/// A plan as typed, checked.
pub struct PlanDraft {
    pub body: PlanBody,
    pub review_date: Date,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for PlanDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanDraft(<redacted>)")
    }
}

impl Drop for PlanDraft {
    fn drop(&mut self) {
        self.body.wipe();
    }
}

/// Checks a plan as typed (each list one item per line): at least one
/// goal; at most [`PLAN_ITEMS_MAX`] items of at most [`PLAN_ITEM_MAX`]
/// characters in each list; a review date from `today` to two years on.
pub fn check(
    goals: &str,
    objectives: &str,
    interventions: &str,
    review_date: &str,
    today: Date,
) -> Result<PlanDraft, AppError> {
    let mut errors = FieldErrors::new();
    let limits = (PLAN_ITEMS_MAX, PLAN_ITEM_MAX);
    let body = PlanBody {
        goals: list(&mut errors, "goals", "goals", goals, limits),
        objectives: list(&mut errors, "objectives", "objectives", objectives, limits),
        interventions: list(
            &mut errors,
            "interventions",
            "interventions",
            interventions,
            limits,
        ),
    };
    if body.goals.is_empty() {
        errors.add("goals", "Write at least one goal, one per line.");
    }
    let latest = today.replace_year(today.year() + 2).unwrap_or(today);
    let review = check_day(
        &mut errors,
        "review_date",
        review_date,
        "review",
        today,
        latest,
    );
    errors.into_result()?;
    Ok(PlanDraft {
        review_date: review.ok_or(AppError::Internal)?,
        body,
    })
}

/// The plan as stored, not opened.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = treatment_plans)]
struct Stored {
    id: Uuid,
    body_sealed: Vec<u8>,
    review_date: Date,
    version: i32,
    updated_at: OffsetDateTime,
}

/// An opened plan with what the pages need around it.
pub struct Opened {
    pub body: Phi<PlanBody>,
    pub review_date: Date,
    pub version: i32,
    pub updated_by: String,
    pub updated_at: OffsetDateTime,
}

/// The current plan of the patient `access` is for, opened, if there is
/// one.
pub async fn current(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Option<Opened>, ReadError> {
    let stored: Option<(Stored, String)> = treatment_plans::table
        .inner_join(users::table.on(users::id.eq(treatment_plans::updated_by)))
        .filter(treatment_plans::patient_id.eq(access.patient_id()))
        .filter(treatment_plans::organization_id.eq(access.organization_id()))
        .select((Stored::as_select(), staff_name()))
        .first(conn)
        .await
        .optional()
        .map_err(AppError::from)?;
    let Some((stored, updated_by)) = stored else {
        return Ok(None);
    };
    let body = sealing::open(
        conn,
        vault,
        access,
        columns::PLAN_BODY,
        stored.id,
        stored.body_sealed,
    )
    .await?;
    Ok(Some(Opened {
        body,
        review_date: stored.review_date,
        version: stored.version,
        updated_by,
        updated_at: stored.updated_at,
    }))
}

/// The plan as the chart shows it.
pub fn view(plan: &Opened, zone: &Zone) -> TreatmentPlan {
    let body = plan.body.expose();
    TreatmentPlan {
        goals: body.goals.clone(),
        objectives: body.objectives.clone(),
        interventions: body.interventions.clone(),
        review_date: day(plan.review_date),
        version: plan.version,
        updated_by: plan.updated_by.clone(),
        updated_at: zone.minute(plan.updated_at),
    }
}

/// Saves `draft` as the plan of the patient `access` is for, by
/// `updated_by`: the first plan when `version` is 0, else over the plan at
/// `version` (anything newer is `EditConflict`, and nothing is
/// overwritten; see [`row_for`]). Answers the new version. Call it in the transaction
/// `access` was recorded in.
pub async fn save(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    updated_by: Uuid,
    version: i32,
    draft: &PlanDraft,
) -> Result<i32, AppError> {
    let existing: Option<Uuid> = treatment_plans::table
        .filter(treatment_plans::patient_id.eq(access.patient_id()))
        .select(treatment_plans::id)
        .first(conn)
        .await
        .optional()?;
    let id = row_for(existing, version)?;
    let body = sealing::seal(conn, vault, access, columns::PLAN_BODY, id, &draft.body).await?;
    if existing.is_none() {
        let inserted = diesel::insert_into(treatment_plans::table)
            .values((
                treatment_plans::id.eq(id),
                treatment_plans::organization_id.eq(access.organization_id()),
                treatment_plans::patient_id.eq(access.patient_id()),
                treatment_plans::body_sealed.eq(body),
                treatment_plans::review_date.eq(draft.review_date),
                treatment_plans::updated_by.eq(updated_by),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        return first_saved(inserted);
    }
    diesel::update(treatment_plans::table.find(id))
        .filter(treatment_plans::version.eq(version))
        .set((
            treatment_plans::body_sealed.eq(body),
            treatment_plans::review_date.eq(draft.review_date),
            treatment_plans::updated_by.eq(updated_by),
            treatment_plans::version.eq(version + 1),
        ))
        .returning(treatment_plans::version)
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::EditConflict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    #[test]
    fn lists_are_one_item_per_line_and_goals_are_required() {
        let plan = check(
            "Sleep seven hours\n\n  Return to work part-time  \n",
            "",
            "CBT for insomnia",
            "2027-02-24",
            TODAY,
        )
        .expect("valid");
        assert_eq!(
            plan.body.goals,
            ["Sleep seven hours", "Return to work part-time"]
        );
        assert!(plan.body.objectives.is_empty());
        assert_eq!(plan.review_date, date!(2027 - 02 - 24));
        let error = check(" \n ", "", "", "2027-02-24", TODAY).expect_err("no goal");
        assert!(
            error
                .field("goals")
                .is_some_and(|m| m.contains("at least one"))
        );
    }

    #[test]
    fn limits_and_the_review_date_window() {
        let many = "goal\n".repeat(PLAN_ITEMS_MAX + 1);
        let long = "x".repeat(PLAN_ITEM_MAX + 1);
        let error = check(&many, &long, "", "2026-11-23", TODAY).expect_err("refused");
        assert!(error.field("goals").is_some_and(|m| m.contains("At most")));
        assert!(
            error
                .field("objectives")
                .is_some_and(|m| m.contains("characters"))
        );
        assert!(
            error
                .field("review_date")
                .is_some_and(|m| m.contains("before 2026-11-24"))
        );
        let error = check("goal", "", "", "2028-11-25", TODAY).expect_err("too far");
        assert!(
            error
                .field("review_date")
                .is_some_and(|m| m.contains("after 2028-11-24"))
        );
        assert!(check("goal", "", "", "2028-11-24", TODAY).is_ok());
    }

    #[test]
    fn a_body_round_trips() {
        let body = PlanBody {
            goals: vec!["Fewer panic attacks".into()],
            objectives: vec![],
            interventions: vec!["Exposure".into()],
        };
        let back = PlanBody::from_bytes(&body.to_bytes()).expect("parses");
        assert_eq!(back.goals, body.goals);
        assert_eq!(back.interventions, body.interventions);
    }
}
