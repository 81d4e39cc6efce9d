//! The care team: which therapists treat which patients. Membership is
//! what the policy (`backend::records::access`) asks before a therapist may open a
//! chart, so every change here is recorded in the trail with the change.

use crate::backend::{
    audit::{self, Event},
    db::schema::{care_team, clinical_notes, patients, users},
    identity::account_identity::staff_name,
};
use crate::{
    error::AppError,
    model::{Role, chart::NoteKind},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::Date;
use uuid::Uuid;

/// Adds therapist `therapist_id` to the team of patient `patient_id` (both
/// in `organization_id`; the therapist must be an active-or-invited
/// therapist of that practice), recording `event` in the same transaction.
/// Adding someone already on the team changes nothing and records nothing.
pub async fn add(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    patient_id: Uuid,
    therapist_id: Uuid,
    added_by: Uuid,
    event: Event,
) -> Result<bool, AppError> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |conn| {
        let role: Option<Role> = users::table
            .find(therapist_id)
            .filter(users::organization_id.eq(organization_id))
            .select(users::role)
            .first(conn)
            .await
            .optional()?;
        let in_practice = patients::table
            .find(patient_id)
            .filter(patients::organization_id.eq(organization_id))
            .filter(patients::deleted_at.is_null())
            .select(patients::id)
            .first::<Uuid>(conn)
            .await
            .optional()?;
        if role != Some(Role::Therapist) || in_practice.is_none() {
            return Err(AppError::NotFound);
        }
        let added = diesel::insert_into(care_team::table)
            .values((
                care_team::patient_id.eq(patient_id),
                care_team::therapist_id.eq(therapist_id),
                care_team::organization_id.eq(organization_id),
                care_team::added_by.eq(added_by),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if added == 1 {
            audit::record(conn, event).await?;
        }
        Ok(added == 1)
    })
    .await
}

/// Takes therapist `therapist_id` off patient `patient_id`'s team,
/// recording `event` in the same transaction. Answers whether they were on
/// it (someone not on it: nothing changes, nothing is recorded).
pub async fn remove(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    patient_id: Uuid,
    therapist_id: Uuid,
    event: Event,
) -> Result<bool, AppError> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |conn| {
        let removed = diesel::delete(care_team::table.find((patient_id, therapist_id)))
            .filter(care_team::organization_id.eq(organization_id))
            .execute(conn)
            .await?;
        if removed == 1 {
            audit::record(conn, event).await?;
        }
        Ok(removed == 1)
    })
    .await
}

/// Every care team of practice `organization_id`: (patient, therapist id,
/// therapist name), by name.
pub async fn all(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<Vec<(Uuid, Uuid, String)>, AppError> {
    Ok(care_team::table
        .inner_join(users::table.on(users::id.eq(care_team::therapist_id)))
        .filter(care_team::organization_id.eq(organization_id))
        .select((care_team::patient_id, users::id, staff_name()))
        .order(staff_name())
        .load(conn)
        .await?)
}

/// The therapists of practice `organization_id` who may join a care team
/// (active or invited), by name: (id, name).
pub async fn therapists(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<Vec<(Uuid, String)>, AppError> {
    use crate::model::UserStatus;
    Ok(users::table
        .filter(users::organization_id.eq(organization_id))
        .filter(users::role.eq(Role::Therapist))
        .filter(users::status.ne(UserStatus::Deactivated))
        .select((users::id, staff_name()))
        .order(staff_name())
        .load(conn)
        .await?)
}

/// The names of the therapists on patient `patient_id`'s team, by name.
pub async fn names(
    conn: &mut AsyncPgConnection,
    patient_id: Uuid,
) -> Result<Vec<String>, AppError> {
    Ok(care_team::table
        .inner_join(users::table.on(users::id.eq(care_team::therapist_id)))
        .filter(care_team::patient_id.eq(patient_id))
        .select(staff_name())
        .order(staff_name())
        .load(conn)
        .await?)
}

/// One patient on a therapist's caseload, before anything is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub patient_id: Uuid,
    /// The latest session with a note (not deleted), by anyone.
    pub last_seen: Option<Date>,
    /// Drafts not yet signed, by anyone on the team.
    pub open_drafts: i64,
}

/// The patients on therapist `therapist_id`'s caseload in their practice
/// (deleted patients leave it).
pub async fn caseload(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    therapist_id: Uuid,
) -> Result<Vec<Member>, AppError> {
    use diesel::dsl::{max, sql};
    use diesel::sql_types::BigInt;
    let members: Vec<(Uuid, Option<Date>, i64)> = care_team::table
        .inner_join(patients::table)
        .left_join(
            clinical_notes::table.on(clinical_notes::patient_id
                .eq(care_team::patient_id)
                .and(clinical_notes::deleted_at.is_null())
                .and(listed_for(Some(therapist_id)))),
        )
        .filter(care_team::therapist_id.eq(therapist_id))
        .filter(care_team::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .group_by(care_team::patient_id)
        .select((
            care_team::patient_id,
            max(clinical_notes::session_date.nullable()),
            sql::<BigInt>("count(*) FILTER (WHERE clinical_notes.status = 'draft')"),
        ))
        .load(conn)
        .await?;
    Ok(members
        .into_iter()
        .map(|(patient_id, last_seen, open_drafts)| Member {
            patient_id,
            last_seen,
            open_drafts,
        })
        .collect())
}

/// Which notes a list shows `viewer`: progress notes, and psychotherapy
/// notes they wrote or whose author shares them with the care team (the
/// list opens nothing, but does not even show that someone else's private
/// note exists). With no viewer (emergency access), progress notes alone.
pub type ListedFor = diesel::dsl::Or<
    diesel::dsl::Eq<clinical_notes::kind, NoteKind>,
    diesel::dsl::And<
        diesel::dsl::Or<
            diesel::dsl::Eq<clinical_notes::author_id, Uuid>,
            clinical_notes::shared_with_team,
        >,
        bool,
    >,
>;

pub fn listed_for(viewer: Option<Uuid>) -> ListedFor {
    let (viewer, any) = match viewer {
        Some(viewer) => (viewer, true),
        None => (Uuid::nil(), false),
    };
    clinical_notes::kind
        .eq(NoteKind::Progress)
        .or(clinical_notes::author_id
            .eq(viewer)
            .or(clinical_notes::shared_with_team)
            .and::<bool, diesel::sql_types::Bool>(any))
}
