//! Outcome measures in the record: a therapist on the care team assigns a
//! questionnaire (once or on a schedule), the patient answers it in the
//! portal (`answers`), and the care team reads the scores over time and
//! acknowledges a positive safety item (`review`).
//!
//! Which instrument is assigned, and when it is due, is plain: schedules
//! and lists need it. Everything the patient answers is sealed with their
//! key (see `answers`).

pub mod answers;
pub mod review;

use crate::backend::{
    db::schema::{measure_assignments, measure_responses, users},
    identity::account_identity::staff_name,
    records::access::PatientAccess,
};
use crate::{
    error::{AppError, FieldErrors},
    model::measures::{Assignment, ChartMeasures, Instrument, Schedule},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// The day a schedule that started on `first` last came due, on or before
/// `today`: `None` before it starts. A missed day is not owed: the latest
/// one stands for it.
pub fn due_on(first: Date, schedule: Schedule, today: Date) -> Option<Date> {
    if today < first {
        return None;
    }
    let every = |days: i64| {
        let periods = (today - first).whole_days() / days;
        first + Duration::days(periods * days)
    };
    Some(match schedule {
        Schedule::Once => first,
        Schedule::Weekly => every(7),
        Schedule::Fortnightly => every(14),
        Schedule::Monthly => {
            let mut months = (today.year() - first.year()) * 12
                + (i32::from(u8::from(today.month())) - i32::from(u8::from(first.month())));
            while months > 0 && months_after(first, months) > today {
                months -= 1;
            }
            months_after(first, months.max(0))
        }
    })
}

/// The day a schedule comes due after `day` (`None` for a one-off).
pub fn due_after(first: Date, schedule: Schedule, day: Date) -> Option<Date> {
    if day < first {
        return Some(first);
    }
    let current = due_on(first, schedule, day)?;
    match schedule {
        Schedule::Once => None,
        Schedule::Weekly => Some(current + Duration::days(7)),
        Schedule::Fortnightly => Some(current + Duration::days(14)),
        Schedule::Monthly => {
            // The current one is `first` plus some months; find the next.
            let mut months = 1;
            while months_after(first, months) <= current {
                months += 1;
            }
            Some(months_after(first, months))
        }
    }
}

/// `first` plus `months` calendar months, on the same day of the month or
/// the month's last day when it is shorter (31 January, then 28 February).
fn months_after(first: Date, months: i32) -> Date {
    let index = i32::from(u8::from(first.month())) - 1 + months;
    let year = first.year() + index.div_euclid(12);
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, first.day().min(last)).unwrap_or(first)
}

/// An assignment, as typed on the chart.
#[derive(Debug)]
pub struct NewAssignment {
    pub instrument: Instrument,
    pub schedule: Schedule,
    pub first_due: Date,
}

/// Checks an assignment as the chart's form sends it: a known instrument
/// and schedule, and a first day from today to a year on.
pub fn check_new(
    instrument: &str,
    schedule: &str,
    first_due: &str,
    today: Date,
) -> Result<NewAssignment, AppError> {
    let mut errors = FieldErrors::new();
    let instrument = Instrument::parse(instrument);
    if instrument.is_none() {
        errors.add("instrument", "Choose a questionnaire.");
    }
    let schedule = Schedule::parse(schedule);
    if schedule.is_none() {
        errors.add("schedule", "Choose how often it is due.");
    }
    let latest = today + Duration::days(365);
    let first_due = if first_due.trim().is_empty() {
        Some(today)
    } else {
        crate::backend::dates::check_day(
            &mut errors,
            "first_due",
            first_due,
            "first due",
            today,
            latest,
        )
    };
    errors.into_result()?;
    match (instrument, schedule, first_due) {
        (Some(instrument), Some(schedule), Some(first_due)) => Ok(NewAssignment {
            instrument,
            schedule,
            first_due,
        }),
        _ => Err(AppError::Internal),
    }
}

/// Assigns `new` to the patient `access` is for, by `assigned_by`. One
/// active assignment per instrument: assigning it again is refused next to
/// the field (stop the first to change its schedule).
pub async fn assign(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    id: Uuid,
    assigned_by: Uuid,
    new: &NewAssignment,
) -> Result<(), AppError> {
    let inserted = diesel::insert_into(measure_assignments::table)
        .values((
            measure_assignments::id.eq(id),
            measure_assignments::organization_id.eq(access.organization_id()),
            measure_assignments::patient_id.eq(access.patient_id()),
            measure_assignments::instrument.eq(new.instrument.key()),
            measure_assignments::schedule.eq(new.schedule.key()),
            measure_assignments::first_due.eq(new.first_due),
            measure_assignments::assigned_by.eq(assigned_by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 0 {
        let mut errors = FieldErrors::new();
        errors.add(
            "instrument",
            format!(
                "The {} is already assigned. Stop it first to change how often it is due.",
                new.instrument.label()
            ),
        );
        return Err(AppError::Invalid(errors));
    }
    Ok(())
}

/// An assignment as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measure_assignments)]
pub struct Stored {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub organization_id: Uuid,
    pub instrument: String,
    pub schedule: String,
    pub first_due: Date,
    pub stopped_at: Option<OffsetDateTime>,
}

impl Stored {
    pub fn instrument(&self) -> Option<Instrument> {
        Instrument::parse(&self.instrument)
    }

    pub fn schedule(&self) -> Option<Schedule> {
        Schedule::parse(&self.schedule)
    }

    /// The day this assignment is due on as of `today`, if it is.
    pub fn due_on(&self, today: Date) -> Option<Date> {
        if self.stopped_at.is_some() {
            return None;
        }
        due_on(self.first_due, self.schedule()?, today)
    }
}

/// Assignment `id`, in practice `organization_id`, if there is one.
pub async fn find(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Stored>, AppError> {
    Ok(measure_assignments::table
        .filter(measure_assignments::id.eq(id))
        .filter(measure_assignments::organization_id.eq(organization_id))
        .select(Stored::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The active assignments of the patient `access` is for, with who
/// assigned each, oldest first.
pub async fn active(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
) -> Result<Vec<(Stored, String)>, AppError> {
    Ok(measure_assignments::table
        .inner_join(users::table.on(users::id.eq(measure_assignments::assigned_by)))
        .filter(measure_assignments::patient_id.eq(access.patient_id()))
        .filter(measure_assignments::organization_id.eq(access.organization_id()))
        .filter(measure_assignments::stopped_at.is_null())
        .order(measure_assignments::created_at)
        .select((Stored::as_select(), staff_name()))
        .load(conn)
        .await?)
}

/// Stops assignment `id` of the patient `access` is for: nothing more
/// comes due; what was answered stays. `NotFound` when it is not theirs or
/// already stopped.
pub async fn stop(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    id: Uuid,
    stopped_by: Uuid,
) -> Result<(), AppError> {
    let stopped = diesel::update(measure_assignments::table.find(id))
        .filter(measure_assignments::patient_id.eq(access.patient_id()))
        .filter(measure_assignments::stopped_at.is_null())
        .set((
            measure_assignments::stopped_at.eq(diesel::dsl::now),
            measure_assignments::stopped_by.eq(stopped_by),
        ))
        .execute(conn)
        .await?;
    if stopped == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What is due today for the patient `access` is for: each active
/// assignment whose current day has no submitted response, with whether a
/// draft is kept for it.
pub async fn due(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    today: Date,
) -> Result<Vec<(Stored, Date, bool)>, AppError> {
    let mut due = Vec::new();
    for (assignment, _) in active(conn, access).await? {
        let Some(day) = assignment.due_on(today) else {
            continue;
        };
        let response: Option<Option<OffsetDateTime>> = measure_responses::table
            .filter(measure_responses::assignment_id.eq(assignment.id))
            .filter(measure_responses::due_on.eq(day))
            .select(measure_responses::submitted_at)
            .first(conn)
            .await
            .optional()?;
        match response {
            Some(Some(_)) => {}
            Some(None) => due.push((assignment, day, true)),
            None => due.push((assignment, day, false)),
        }
    }
    Ok(due)
}

/// The next day assignment `stored` comes due as of `today`: its current
/// day while that is unanswered, else the one after.
pub async fn next_due(
    conn: &mut AsyncPgConnection,
    stored: &Stored,
    today: Date,
) -> Result<Option<Date>, AppError> {
    let Some(schedule) = stored.schedule() else {
        return Ok(None);
    };
    let Some(current) = stored.due_on(today) else {
        return Ok(Some(stored.first_due));
    };
    let answered: bool = diesel::select(diesel::dsl::exists(
        measure_responses::table
            .filter(measure_responses::assignment_id.eq(stored.id))
            .filter(measure_responses::due_on.eq(current))
            .filter(measure_responses::submitted_at.is_not_null()),
    ))
    .get_result(conn)
    .await?;
    Ok(if answered {
        due_after(stored.first_due, schedule, today)
    } else {
        Some(current)
    })
}

/// Everything about questionnaires on the chart of the patient `access`
/// is for: what is assigned (and next due), and every score over time.
pub async fn on_chart(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    access: &PatientAccess,
    zone: &crate::backend::dates::Zone,
) -> Result<ChartMeasures, crate::backend::records::access::ReadError> {
    let today = zone.today();
    let mut assignments = Vec::new();
    for (stored, assigned_by) in active(conn, access).await? {
        let (Some(instrument), Some(schedule)) = (stored.instrument(), stored.schedule()) else {
            continue;
        };
        assignments.push(Assignment {
            id: stored.id,
            instrument,
            schedule,
            next_due: next_due(conn, &stored, today)
                .await?
                .map(crate::backend::dates::day),
            assigned_by,
        });
    }
    Ok(ChartMeasures {
        assignments,
        trends: review::trends(conn, vault, access, zone).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn schedules_come_due_and_a_missed_day_is_not_owed() {
        let first = date!(2026 - 12 - 01);
        assert_eq!(due_on(first, Schedule::Weekly, date!(2026 - 11 - 30)), None);
        assert_eq!(
            due_on(first, Schedule::Once, date!(2027 - 03 - 01)),
            Some(first)
        );
        assert_eq!(
            due_on(first, Schedule::Weekly, date!(2026 - 12 - 14)),
            Some(date!(2026 - 12 - 08))
        );
        assert_eq!(
            due_on(first, Schedule::Weekly, date!(2026 - 12 - 15)),
            Some(date!(2026 - 12 - 15))
        );
        assert_eq!(
            due_on(first, Schedule::Fortnightly, date!(2026 - 12 - 28)),
            Some(date!(2026 - 12 - 15))
        );
        assert_eq!(
            due_after(first, Schedule::Fortnightly, date!(2026 - 12 - 28)),
            Some(date!(2026 - 12 - 29))
        );
        assert_eq!(
            due_after(first, Schedule::Once, date!(2026 - 12 - 28)),
            None
        );
        assert_eq!(
            due_after(first, Schedule::Once, date!(2026 - 11 - 28)),
            Some(first)
        );
    }

    #[test]
    fn monthly_keeps_the_day_or_the_month_end() {
        let first = date!(2027 - 01 - 31);
        assert_eq!(
            due_on(first, Schedule::Monthly, date!(2027 - 02 - 27)),
            Some(first)
        );
        assert_eq!(
            due_on(first, Schedule::Monthly, date!(2027 - 02 - 28)),
            Some(date!(2027 - 02 - 28))
        );
        assert_eq!(
            due_on(first, Schedule::Monthly, date!(2027 - 03 - 30)),
            Some(date!(2027 - 02 - 28))
        );
        assert_eq!(
            due_on(first, Schedule::Monthly, date!(2028 - 01 - 31)),
            Some(date!(2028 - 01 - 31))
        );
        assert_eq!(
            due_after(first, Schedule::Monthly, date!(2027 - 02 - 28)),
            Some(date!(2027 - 03 - 31))
        );
    }

    #[test]
    fn an_assignment_as_typed() {
        let today = date!(2026 - 12 - 06);
        let new = check_new("phq9", "weekly", "", today).expect("valid");
        assert_eq!(new.first_due, today);
        assert_eq!(new.instrument, Instrument::Phq9);
        let error = check_new("bdi", "daily", "2026-12-05", today).expect_err("refused");
        assert!(error.field("instrument").is_some());
        assert!(error.field("schedule").is_some());
        assert!(
            error
                .field("first_due")
                .is_some_and(|m| m.contains("before"))
        );
    }
}
