//! A patient's answers to a questionnaire: checked, kept as a draft until
//! they finish, then scored and fixed. The answers and the score are one
//! value sealed with the patient's key, bound to the response's row.

use super::Stored;
use crate::backend::{
    db::schema::measure_responses,
    records::{access::PatientAccess, sealing},
    vault::{SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::measures::{ITEM_FIELDS, Instrument, Score, score},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What is sealed: each item's answer (0 to 3, `None` while unanswered),
/// the functional item's, and the score once submitted.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswersBody {
    pub items: Vec<Option<u8>>,
    pub functional: Option<u8>,
    pub score: Option<Score>,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for AnswersBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswersBody(<redacted>)")
    }
}

impl SealedAsJson for AnswersBody {
    fn wipe_fields(&mut self) {
        self.items.iter_mut().for_each(|i| *i = None);
        self.functional = None;
        self.score = None;
    }
}

/// The form field of the (0-based) item `at`: `item1` for the first.
fn field(at: usize) -> &'static str {
    ITEM_FIELDS.get(at).copied().unwrap_or(WHOLE)
}

/// Where a refusal about the questionnaire as a whole is shown.
pub const WHOLE: &str = "questionnaire";

/// An answer to a question the instrument does not have, or too few: the
/// form was altered, or made for another version.
const CHANGED: &str = "This questionnaire has changed. Reload the page and answer it again.";

/// Checks answers as the form sends them: `typed[i]` for item `i + 1`
/// (blank while unanswered), `functional` likewise. Each answer must be on
/// the scale, and an item the instrument does not have must be blank (an
/// altered form). To `finish`, every scored item needs an answer.
pub fn check(
    instrument: Instrument,
    typed: &[&str],
    functional: &str,
    finish: bool,
) -> Result<AnswersBody, AppError> {
    let mut errors = FieldErrors::new();
    let on_scale = |text: &str| -> Result<Option<u8>, ()> {
        match text.trim() {
            "" => Ok(None),
            value => value
                .parse::<u8>()
                .ok()
                .filter(|v| *v <= 3)
                .map(Some)
                .ok_or(()),
        }
    };
    let count = instrument.items().len();
    let mut items = Vec::with_capacity(count);
    let extra = typed.get(count..).unwrap_or_default();
    if typed.len() < count || extra.iter().any(|text| !text.trim().is_empty()) {
        errors.add(WHOLE, CHANGED);
    }
    for (at, text) in typed.iter().take(count).enumerate() {
        match on_scale(text) {
            Ok(None) if finish => errors.add(field(at), "Choose an answer to this question."),
            Ok(value) => items.push(value),
            Err(()) => errors.add(field(at), "Choose one of the answers given."),
        }
    }
    let functional = on_scale(functional).unwrap_or_else(|()| {
        errors.add("functional", "Choose one of the answers given.");
        None
    });
    errors.into_result()?;
    let score = if finish {
        let complete: Vec<u8> = items.iter().flatten().copied().collect();
        Some(score(instrument, &complete).ok_or(AppError::Internal)?)
    } else {
        None
    };
    Ok(AnswersBody {
        items,
        functional,
        score,
    })
}

fn already_submitted() -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(
        WHOLE,
        "You have already sent this questionnaire. Thank you: your therapist has your answers.",
    );
    AppError::Invalid(errors)
}

/// Keeps `body` as the answers of `assignment` for its day `due_on` (the
/// patient `access` is for): a draft, or submitted when `body` is scored.
/// A response already submitted is never changed.
pub async fn save(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    assignment: &Stored,
    due_on: Date,
    body: &AnswersBody,
) -> Result<(), AppError> {
    let existing: Option<(Uuid, Option<OffsetDateTime>)> = measure_responses::table
        .filter(measure_responses::assignment_id.eq(assignment.id))
        .filter(measure_responses::due_on.eq(due_on))
        .select((measure_responses::id, measure_responses::submitted_at))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if matches!(existing, Some((_, Some(_)))) {
        return Err(already_submitted());
    }
    let id = existing.map_or_else(Uuid::new_v4, |(id, _)| id);
    let sealed = sealing::seal(conn, vault, access, columns::MEASURE_ANSWERS, id, body).await?;
    let submitted_at = body.score.map(|_| OffsetDateTime::now_utc());
    let needs_review = body.score.is_some_and(|s| s.safety);
    if existing.is_some() {
        diesel::update(measure_responses::table.find(id))
            .filter(measure_responses::submitted_at.is_null())
            .set((
                measure_responses::answers_sealed.eq(sealed),
                measure_responses::saved_at.eq(diesel::dsl::now),
                measure_responses::submitted_at.eq(submitted_at),
                measure_responses::needs_review.eq(needs_review),
            ))
            .execute(conn)
            .await?;
        return Ok(());
    }
    let inserted = diesel::insert_into(measure_responses::table)
        .values((
            measure_responses::id.eq(id),
            measure_responses::organization_id.eq(access.organization_id()),
            measure_responses::patient_id.eq(access.patient_id()),
            measure_responses::assignment_id.eq(assignment.id),
            measure_responses::due_on.eq(due_on),
            measure_responses::answers_sealed.eq(sealed),
            measure_responses::submitted_at.eq(submitted_at),
            measure_responses::needs_review.eq(needs_review),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    // The same questionnaire sent twice at once: the first stands.
    if inserted == 0 {
        return Err(already_submitted());
    }
    Ok(())
}

/// The answers kept for `assignment` on `due_on` (the patient's own
/// form), opened, and whether they were submitted; `None` when there are
/// none yet.
pub async fn current(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    assignment: Uuid,
    due_on: Date,
) -> Result<Option<(AnswersBody, bool)>, crate::backend::records::access::ReadError> {
    let stored: Option<(Uuid, Vec<u8>, Option<OffsetDateTime>)> = measure_responses::table
        .filter(measure_responses::assignment_id.eq(assignment))
        .filter(measure_responses::due_on.eq(due_on))
        .filter(measure_responses::patient_id.eq(access.patient_id()))
        .select((
            measure_responses::id,
            measure_responses::answers_sealed,
            measure_responses::submitted_at,
        ))
        .first(conn)
        .await
        .optional()
        .map_err(AppError::from)?;
    let Some((id, bytes, submitted_at)) = stored else {
        return Ok(None);
    };
    let opened =
        sealing::open::<AnswersBody>(conn, vault, access, columns::MEASURE_ANSWERS, id, bytes)
            .await?;
    Ok(Some((opened.expose().clone(), submitted_at.is_some())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_phq9_is_scored() {
        let typed = ["1", "2", "1", "2", "0", "1", "1", "0", "1"];
        let body = check(Instrument::Phq9, &typed, "2", true).expect("complete");
        assert_eq!(
            body.score,
            Some(Score {
                total: 9,
                safety: true
            })
        );
        assert_eq!(body.functional, Some(2));
    }

    #[test]
    fn a_draft_may_be_partial_but_a_submission_may_not() {
        let typed = ["1", "", "", "", "", "", ""];
        let draft = check(Instrument::Gad7, &typed, "", false).expect("kept");
        assert_eq!(draft.items.len(), 7);
        assert_eq!(draft.score, None);
        let error = check(Instrument::Gad7, &typed, "", true).expect_err("incomplete");
        assert!(
            error
                .field("item2")
                .is_some_and(|m| m.contains("Choose an answer"))
        );
        assert!(error.field("item1").is_none());
    }

    #[test]
    fn altered_answers_are_refused() {
        let mut typed = vec!["0"; 9];
        typed[3] = "4";
        let error = check(Instrument::Phq9, &typed, "", true).expect_err("off the scale");
        assert!(error.field("item4").is_some());
        let error = check(Instrument::Phq9, &["0"; 9], "-1", true).expect_err("bad functional");
        assert!(error.field("functional").is_some());
        // A GAD-7 sent with a ninth answer, or a PHQ-9 with items missing.
        let error = check(Instrument::Gad7, &["0"; 9], "", true).expect_err("too many");
        assert!(error.field(WHOLE).is_some());
        let error = check(Instrument::Phq9, &["0"; 7], "", true).expect_err("too few");
        assert!(error.field(WHOLE).is_some());
    }
}
