//! Reading the answers back: a patient's scores over time (the chart's
//! trend, and the patient's own history), the patients whose positive
//! safety item still waits for a clinician, the acknowledgement, and the
//! email that tells the care team to look (with no health information).

use super::answers::AnswersBody;
use crate::backend::{
    dates::Zone,
    db::schema::{care_team, measure_assignments, measure_responses, users},
    identity::account_identity,
    mail::Mailer,
    records::{access::PatientAccess, access::ReadError, sealing},
    vault::{Phi, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::measures::{Instrument, Point, Trend},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// The most characters an acknowledgement's note may have.
pub const NOTE_MAX: usize = 1000;

/// A submitted response as stored.
#[derive(Queryable)]
struct Submitted {
    id: Uuid,
    instrument: String,
    submitted_at: Option<OffsetDateTime>,
    answers_sealed: Vec<u8>,
    needs_review: bool,
    acknowledged_at: Option<OffsetDateTime>,
    acknowledged_by: Option<String>,
    acknowledgement_sealed: Option<Vec<u8>>,
}

/// Every submitted questionnaire of the patient `access` is for, opened,
/// as one trend per instrument (oldest first). The clinician's notes on
/// acknowledgements come with them where the access opens them (the
/// chart; never the patient's own portal).
pub async fn trends(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Vec<Trend>, ReadError> {
    let with_notes = access.opens(columns::MEASURE_ACKNOWLEDGEMENT, access.seals_with());
    let acknowledger = diesel::alias!(users as acknowledger);
    let rows: Vec<Submitted> = measure_responses::table
        .inner_join(measure_assignments::table)
        .left_join(
            acknowledger.on(acknowledger
                .field(users::id)
                .nullable()
                .eq(measure_responses::acknowledged_by)),
        )
        .filter(measure_responses::patient_id.eq(access.patient_id()))
        .filter(measure_responses::organization_id.eq(access.organization_id()))
        .filter(measure_responses::submitted_at.is_not_null())
        .order(measure_responses::submitted_at)
        .select((
            measure_responses::id,
            measure_assignments::instrument,
            measure_responses::submitted_at,
            measure_responses::answers_sealed,
            measure_responses::needs_review,
            measure_responses::acknowledged_at,
            acknowledger.field(users::display_name).nullable(),
            measure_responses::acknowledgement_sealed,
        ))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut trends: Vec<Trend> = Vec::new();
    for row in rows {
        let Some(instrument) = Instrument::parse(&row.instrument) else {
            continue;
        };
        let answers: Phi<AnswersBody> = sealing::open(
            conn,
            vault,
            access,
            columns::MEASURE_ANSWERS,
            row.id,
            row.answers_sealed,
        )
        .await?;
        let body = answers.expose();
        let Some(score) = body.score else {
            continue;
        };
        let note = match (with_notes, row.acknowledgement_sealed) {
            (true, Some(bytes)) => {
                let note: Phi<String> = sealing::open(
                    conn,
                    vault,
                    access,
                    columns::MEASURE_ACKNOWLEDGEMENT,
                    row.id,
                    bytes,
                )
                .await?;
                Some(note.expose().clone())
            }
            _ => None,
        };
        let acknowledged = row.acknowledged_at.map(|at| {
            format!(
                "Acknowledged by {} on {}",
                row.acknowledged_by.unwrap_or_default(),
                zone.minute(at)
            )
        });
        let safety_answer = instrument
            .safety_item()
            .and_then(|at| body.items.get(at).copied().flatten())
            .unwrap_or(0);
        let point = Point {
            response_id: row.id,
            on: crate::backend::dates::day(
                zone.date_of(row.submitted_at.unwrap_or(OffsetDateTime::UNIX_EPOCH)),
            ),
            total: score.total,
            safety: score.safety,
            safety_answer,
            functional: body.functional,
            needs_review: row.needs_review && row.acknowledged_at.is_none(),
            acknowledged,
            acknowledgement_note: note,
        };
        match trends.iter_mut().find(|t| t.instrument == instrument) {
            Some(trend) => trend.points.push(point),
            None => trends.push(Trend {
                instrument,
                points: vec![point],
            }),
        }
    }
    trends.sort_by_key(|t| Instrument::ALL.iter().position(|i| *i == t.instrument));
    Ok(trends)
}

/// Of `patients`, those with a positive safety item no clinician has
/// acknowledged yet.
pub async fn waiting(
    conn: &mut AsyncPgConnection,
    patients: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    Ok(measure_responses::table
        .filter(measure_responses::patient_id.eq_any(patients))
        .filter(measure_responses::needs_review)
        .filter(measure_responses::acknowledged_at.is_null())
        .select(measure_responses::patient_id)
        .distinct()
        .load(conn)
        .await?)
}

/// The patient response `response_id` belongs to, in practice
/// `organization_id`, if it exists.
pub async fn patient_of(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    response_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    use diesel::OptionalExtension;
    Ok(measure_responses::table
        .filter(measure_responses::id.eq(response_id))
        .filter(measure_responses::organization_id.eq(organization_id))
        .select(measure_responses::patient_id)
        .first(conn)
        .await
        .optional()?)
}

/// Checks an acknowledgement's note (optional, at most [`NOTE_MAX`]
/// characters).
pub fn check_note(note: &str) -> Result<Option<String>, AppError> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        let mut errors = FieldErrors::new();
        errors.add("note", format!("At most {NOTE_MAX} characters."));
        return Err(AppError::Invalid(errors));
    }
    Ok((!note.is_empty()).then(|| note.to_owned()))
}

/// Marks response `response_id` of the patient `access` is for as seen by
/// `by`, with their `note` sealed. Only a response that waits for review;
/// acknowledged already, it is refused next to the note.
pub async fn acknowledge(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    response_id: Uuid,
    by: Uuid,
    note: Option<&String>,
) -> Result<(), AppError> {
    let sealed = match note {
        Some(note) => Some(
            sealing::seal(
                conn,
                vault,
                access,
                columns::MEASURE_ACKNOWLEDGEMENT,
                response_id,
                note,
            )
            .await?,
        ),
        None => None,
    };
    let updated = diesel::update(measure_responses::table.find(response_id))
        .filter(measure_responses::patient_id.eq(access.patient_id()))
        .filter(measure_responses::needs_review)
        .filter(measure_responses::acknowledged_at.is_null())
        .set((
            measure_responses::acknowledged_at.eq(diesel::dsl::now),
            measure_responses::acknowledged_by.eq(by),
            measure_responses::acknowledgement_sealed.eq(sealed),
        ))
        .execute(conn)
        .await?;
    if updated == 1 {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    errors.add(
        "note",
        "This answer does not wait for review: someone on the care team has acknowledged it.",
    );
    Err(AppError::Invalid(errors))
}

/// Responses whose review notice is older than this are not emailed any
/// more: the caseload and the home still show them.
const NOTICE_FRESH_FOR: time::Duration = time::Duration::days(1);

/// One pass: emails each therapist on the care team of every patient whose
/// safety item waits for review and whose team has not been told yet. The
/// message names no one and nothing of health: only that something waits
/// in Cairn. Answers how many responses were notified.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    mailer: &Mailer,
) -> Result<usize, AppError> {
    let pending: Vec<(Uuid, Uuid)> = measure_responses::table
        .filter(measure_responses::needs_review)
        .filter(measure_responses::acknowledged_at.is_null())
        .filter(measure_responses::notified_at.is_null())
        .filter(measure_responses::submitted_at.gt(OffsetDateTime::now_utc() - NOTICE_FRESH_FOR))
        .select((measure_responses::id, measure_responses::patient_id))
        .limit(50)
        .load(conn)
        .await?;
    let mut notified = 0;
    for (response_id, patient_id) in pending {
        let team: Vec<account_identity::Stored> = care_team::table
            .inner_join(users::table.on(users::id.eq(care_team::therapist_id)))
            .filter(care_team::patient_id.eq(patient_id))
            .select(account_identity::Stored::as_select())
            .load(conn)
            .await?;
        for stored in &team {
            let email = account_identity::open(conn, vault, stored).await?.email;
            if let Err(error) = mailer.review_notice(&email).await {
                tracing::warn!(%error, "could not email a questionnaire notice; will retry");
                return Ok(notified);
            }
        }
        diesel::update(measure_responses::table.find(response_id))
            .set(measure_responses::notified_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        notified += 1;
    }
    Ok(notified)
}
