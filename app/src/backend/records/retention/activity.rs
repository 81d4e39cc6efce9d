//! The last activity in a record: the last thing that happened in it, on
//! the practice's calendar. Reads count for nothing (looking at a record
//! does not keep it longer), and nothing a key rotation touches counts
//! either: the record's creation; a note created, dated or signed; an
//! addendum; a questionnaire answered; a diagnosis, treatment or safety
//! plan, insurance policy or correction recorded; a disclosure; a consent given or revoked; an
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
    // Every dated thing about each record, one pass over each table (an
    // index on the practice or the patient, never a scan per record),
    // grouped once.
    let of_each = |table: &str, at: &str| {
        format!(
            "SELECT patient_id, {at} AS at FROM {table} \
             WHERE organization_id = $1 AND ($3::uuid IS NULL OR patient_id = $3)"
        )
    };
    let dated = [
        of_each("clinical_notes", "created_at"),
        of_each("clinical_notes", "signed_at"),
        of_each(
            "clinical_notes",
            "session_date::timestamp AT TIME ZONE (SELECT tz FROM o)",
        ),
        of_each("note_addenda", "created_at"),
        of_each("measure_responses", "submitted_at"),
        of_each("diagnoses", "created_at"),
        of_each("treatment_plans", "created_at"),
        of_each("safety_plans", "created_at"),
        of_each("insurance_policies", "created_at"),
        of_each("insurance_policies", "ended_at"),
        of_each("identity_corrections", "created_at"),
        of_each("disclosures", "created_at"),
        of_each("consents", "created_at"),
        of_each("consents", "revoked_at"),
        of_each("amendments", "requested_at"),
        of_each("amendments", "decided_at"),
        of_each("amendments", "disagreement_at"),
    ]
    .join(" UNION ALL ");
    sql_query(format!(
        "WITH o AS (SELECT id, time_zone AS tz, retention_years FROM organizations WHERE id = $1), \
         e AS ({dated}), \
         d AS (SELECT patient_id, max((at AT TIME ZONE (SELECT tz FROM o))::date) AS day \
               FROM e WHERE at IS NOT NULL GROUP BY patient_id), \
         r AS ( \
           SELECT p.id AS patient_id, p.created_at, o.retention_years, GREATEST( \
             (p.created_at AT TIME ZONE o.tz)::date, \
             (p.deleted_at AT TIME ZONE o.tz)::date, \
             d.day) AS last_activity \
           FROM patients p JOIN o ON o.id = p.organization_id \
           LEFT JOIN d ON d.patient_id = p.id \
           WHERE $3::uuid IS NULL OR p.id = $3 \
         ) \
         SELECT patient_id, created_at, last_activity FROM r \
         WHERE $2::date IS NULL OR (r.last_activity + make_interval(years => r.retention_years))::date <= $2 \
         ORDER BY last_activity, patient_id",
    ))
    .bind::<sql_types::Uuid, _>(organization_id)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(ended_by)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(patient)
    .load(conn)
    .await
}
