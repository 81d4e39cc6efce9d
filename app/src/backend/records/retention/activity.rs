//! The last activity in a record: the last thing that happened in it, on
//! the practice's calendar. Reads count for nothing (looking at a record
//! does not keep it longer), and nothing a key rotation touches counts
//! either: the record's creation; a note created, dated or signed; an
//! addendum; a questionnaire answered; a diagnosis, treatment or safety
//! plan, insurance policy or correction recorded; a disclosure; an
//! amendment asked for or decided; the record removed from the lists.

use diesel::{QueryableByName, sql_query, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A record and its last activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Activity {
    #[diesel(sql_type = sql_types::Uuid)]
    pub patient_id: Uuid,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: OffsetDateTime,
    #[diesel(sql_type = sql_types::Date)]
    pub last_activity: Date,
}

/// Which records to ask about.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    /// Every record of the practice whose period after the last activity
    /// has ended by this day (a minor's may still be kept longer).
    EndedBy(Date),
    /// This record, whatever its dates.
    Patient(Uuid),
}

/// The last activity of the records of practice `organization_id` that
/// `which` names, the longest past first.
pub async fn of(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    which: Which,
) -> diesel::QueryResult<Vec<Activity>> {
    let (ended_by, patient) = match which {
        Which::EndedBy(day) => (Some(day), None),
        Which::Patient(id) => (None, Some(id)),
    };
    sql_query(
        "WITH o AS (SELECT id, time_zone AS tz, retention_years FROM organizations WHERE id = $1), \
         r AS ( \
           SELECT p.id AS patient_id, p.created_at, o.retention_years, GREATEST( \
             (p.created_at AT TIME ZONE o.tz)::date, \
             (p.deleted_at AT TIME ZONE o.tz)::date, \
             (SELECT max(GREATEST(n.session_date, (n.created_at AT TIME ZONE o.tz)::date, \
                                  (n.signed_at AT TIME ZONE o.tz)::date)) \
                FROM clinical_notes n WHERE n.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM note_addenda x WHERE x.patient_id = p.id), \
             (SELECT (max(x.submitted_at) AT TIME ZONE o.tz)::date FROM measure_responses x WHERE x.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM diagnoses x WHERE x.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM treatment_plans x WHERE x.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM safety_plans x WHERE x.patient_id = p.id), \
             (SELECT (max(GREATEST(x.created_at, x.ended_at)) AT TIME ZONE o.tz)::date \
                FROM insurance_policies x WHERE x.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM identity_corrections x WHERE x.patient_id = p.id), \
             (SELECT (max(x.created_at) AT TIME ZONE o.tz)::date FROM disclosures x WHERE x.patient_id = p.id), \
             (SELECT (max(GREATEST(x.requested_at, x.decided_at, x.disagreement_at)) AT TIME ZONE o.tz)::date \
                FROM amendments x WHERE x.patient_id = p.id) \
           ) AS last_activity \
           FROM patients p JOIN o ON o.id = p.organization_id \
           WHERE $3::uuid IS NULL OR p.id = $3 \
         ) \
         SELECT patient_id, created_at, last_activity FROM r \
         WHERE $2::date IS NULL OR (r.last_activity + make_interval(years => r.retention_years))::date <= $2 \
         ORDER BY last_activity, patient_id",
    )
    .bind::<sql_types::Uuid, _>(organization_id)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(ended_by)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(patient)
    .load(conn)
    .await
}
