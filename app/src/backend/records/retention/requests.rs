//! A patient's request to have their record erased. The law keeps a
//! record for the practice's period after its last activity, so a request
//! before then cannot be granted: it is recorded and answered at once with
//! the day erasure becomes possible (or that a legal hold keeps it), and
//! listed for the practice's administrators, who erase the record from the
//! retention page once it is due. Asking is no activity: it never moves
//! that day.

use super::{
    activity::{self, Which},
    holds, kept_until,
};
use crate::backend::{
    dates::{Zone, day},
    db::schema::erasure_requests,
    practice_settings::Retention,
    records::access::{PatientAccess, ReadError},
    records::patients,
    vault::Vault,
};
use crate::{error::AppError, model::retention::ErasureAnswer};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Records the request of the patient `access` is for (their own, through
/// the portal) and answers it: the day their record is kept until, as of
/// `today`, and whether a hold keeps it. Call it in the transaction
/// `access` was recorded in.
pub async fn ask(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    retention: Retention,
    (zone, today): (&Zone, Date),
) -> Result<ErasureAnswer, ReadError> {
    let possible_on = possible_on(conn, vault, access, retention).await?;
    let held = holds::in_force_for(conn, access)
        .await
        .map_err(AppError::from)?
        .is_some();
    let now = OffsetDateTime::now_utc();
    diesel::insert_into(erasure_requests::table)
        .values((
            erasure_requests::id.eq(Uuid::new_v4()),
            erasure_requests::organization_id.eq(access.organization_id()),
            erasure_requests::patient_id.eq(access.patient_id()),
            erasure_requests::requested_at.eq(now),
            erasure_requests::possible_on.eq(possible_on),
            erasure_requests::held.eq(held),
        ))
        .execute(conn)
        .await
        .map_err(AppError::from)?;
    Ok(answer(zone.date_of(now), possible_on, held, today))
}

/// The day the record `access` is for may be erased from: the end of its
/// retention, from its last activity and the patient's date of birth.
async fn possible_on(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    retention: Retention,
) -> Result<Date, ReadError> {
    let found = activity::of(
        conn,
        access.organization_id(),
        Which::Patient(access.patient_id()),
    )
    .await
    .map_err(AppError::from)?;
    let last = found
        .as_slice()
        .first()
        .ok_or(AppError::NotFound)?
        .last_activity;
    let (_, born) = patients::name_and_birth(conn, vault, access).await?;
    Ok(kept_until(last, *born.expose(), retention))
}

fn answer(requested: Date, possible_on: Date, held: bool, today: Date) -> ErasureAnswer {
    ErasureAnswer {
        requested_on: day(requested),
        possible_on: day(possible_on),
        held,
        possible_now: possible_on <= today && !held,
    }
}

/// The requests of the patient `access` is for, newest first, answered as
/// of `today`.
pub async fn of_patient(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    (zone, today): (&Zone, Date),
) -> QueryResult<Vec<ErasureAnswer>> {
    let rows: Vec<(OffsetDateTime, Date, bool)> = erasure_requests::table
        .filter(erasure_requests::organization_id.eq(access.organization_id()))
        .filter(erasure_requests::patient_id.eq(access.patient_id()))
        .order(erasure_requests::requested_at.desc())
        .select((
            erasure_requests::requested_at,
            erasure_requests::possible_on,
            erasure_requests::held,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(at, possible, held)| answer(zone.date_of(at), possible, held, today))
        .collect())
}

/// A request as the practice lists it: whose, when, and from when.
pub struct Asked {
    pub patient_id: Uuid,
    pub requested_at: OffsetDateTime,
    pub possible_on: Date,
    pub held: bool,
}

impl Asked {
    /// The request's answer as of `today`, in the practice's `zone`.
    pub fn answer(&self, zone: &Zone, today: Date) -> ErasureAnswer {
        answer(
            zone.date_of(self.requested_at),
            self.possible_on,
            self.held,
            today,
        )
    }
}

/// The latest request of each patient of practice `organization_id` who
/// asked, the most recent first. Plain dates: nothing opened.
pub async fn of_practice(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> QueryResult<Vec<Asked>> {
    let rows: Vec<(Uuid, OffsetDateTime, Date, bool)> = erasure_requests::table
        .filter(erasure_requests::organization_id.eq(organization_id))
        .distinct_on(erasure_requests::patient_id)
        .order((
            erasure_requests::patient_id,
            erasure_requests::requested_at.desc(),
        ))
        .select((
            erasure_requests::patient_id,
            erasure_requests::requested_at,
            erasure_requests::possible_on,
            erasure_requests::held,
        ))
        .load(conn)
        .await?;
    let mut asked: Vec<Asked> = rows
        .into_iter()
        .map(|(patient_id, requested_at, possible_on, held)| Asked {
            patient_id,
            requested_at,
            possible_on,
            held,
        })
        .collect();
    asked.sort_by_key(|a| std::cmp::Reverse(a.requested_at));
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn erasure_is_possible_from_the_end_of_retention_unless_held() {
        let today = date!(2026 - 12 - 07);
        assert!(!answer(today, date!(2030 - 01 - 01), false, today).possible_now);
        assert!(answer(today, today, false, today).possible_now);
        assert!(!answer(today, date!(2020 - 01 - 01), true, today).possible_now);
        assert_eq!(
            answer(today, date!(2030 - 01 - 01), false, today).possible_on,
            "2030-01-01"
        );
    }
}
