//! Access to one patient's record: the only way to get a
//! [`PatientAccess`], the value the vault asks for before it opens anything
//! sealed with that patient's key.
//!
//! Two steps, so that each lands where it must:
//! 1. [`decide`] asks the policy. A refusal is recorded in the trail at
//!    once (outside any transaction, so it stays recorded) and answered as
//!    "not found": whether a record exists is itself not shown to someone
//!    who may not see it. An allowed decision is a [`Grant`].
//! 2. [`within`] spends the grant: one transaction that does the work
//!    with the [`PatientAccess`] and writes the access to the trail before
//!    it commits. If the audit write fails, the transaction fails and
//!    nothing is shown.
//!
//! Neither type can be built anywhere else: their fields are private. A
//! read that fails after the grant goes through [`settle`].
//!
//! The policy itself is [`allows`]: one table of role, what is reached and
//! the person's relation to the patient, tested whole.

use crate::backend::{
    audit::{self, Actor, Details, Event, Origin},
    db::schema::patients,
    identity::authz::{Admin, Therapist},
    records::care_team,
    vault::{Unreadable, Vault},
};
use crate::{
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::pin::Pin;
use uuid::Uuid;

pub mod caller;
pub mod grant;
mod operator;
mod policy;

pub use caller::Caller;
pub use grant::{PatientAccess, Reach};
pub use operator::{
    OPERATOR_EXPORT, OPERATOR_RETENTION, OperatorGrant, operator_copies, operator_retention,
};
pub use policy::{Relation, allows};

/// Why a record could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    App(#[from] AppError),
    /// A value is there but does not open: never shown as empty.
    #[error("{column} is unreadable: {why}")]
    Unreadable {
        column: &'static str,
        why: Unreadable,
    },
}

impl From<diesel::result::Error> for ReadError {
    #[track_caller]
    fn from(error: diesel::result::Error) -> Self {
        ReadError::App(error.into())
    }
}

/// The policy allowed `actor` at this patient's record; not yet recorded.
#[must_use = "a grant does nothing until `access::within` spends it"]
#[derive(Debug)]
pub struct Grant {
    organization_id: Uuid,
    patient_id: Uuid,
    actor: Actor,
    endpoint: &'static str,
    /// Where the request came from, for the record the access leaves.
    origin: Origin,
    reach: Reach,
    /// What in the record is reached (a note), when not the record as such.
    resource: Option<(&'static str, Uuid)>,
    /// The emergency access that allowed it, when the care team did not.
    emergency: Option<crate::backend::records::emergency::Active>,
}

impl Grant {
    /// Names the part of the record reached (`"note"`, its id), so the
    /// trail says which.
    pub fn on(mut self, kind: &'static str, id: Uuid) -> Self {
        self.resource = Some((kind, id));
        self
    }

    pub fn patient_id(&self) -> Uuid {
        self.patient_id
    }

    /// The emergency access it stands on, if any.
    pub fn emergency(&self) -> Option<&crate::backend::records::emergency::Active> {
        self.emergency.as_ref()
    }
}

/// Whether `who` may `reach` the record of patient `patient_id`.
///
/// A refusal is answered "not found" (404) whatever the reason, and the
/// same for a patient who does not exist or belongs to another practice:
/// whether a record exists is not shown to someone who may not see it.
/// (Endpoints a role may never use at all answer 403 instead; see
/// `backend::identity::authz`.)
pub async fn decide(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    patient_id: Uuid,
    reach: Reach,
) -> Result<Grant, AppError> {
    let who = &caller.who;
    use crate::backend::db::schema::care_team as team;
    // The patient (of this practice, not removed from its lists unless
    // `reach` is retention), whose portal account it
    // is, and whether the asker is on its care team: one round trip.
    let on_team = diesel::dsl::exists(
        team::table
            .filter(team::patient_id.eq(patients::id))
            .filter(team::therapist_id.eq(who.user_id)),
    );
    use diesel::IntoSql;
    // A record removed from the lists is kept for retention alone.
    let removed_too = reach.reaches_removed();
    let found: Option<(Option<Uuid>, bool)> = patients::table
        .find(patient_id)
        .filter(patients::organization_id.eq(who.organization_id))
        .filter(
            patients::deleted_at
                .is_null()
                .or(removed_too.into_sql::<diesel::sql_types::Bool>()),
        )
        .select((patients::user_id, on_team))
        .first(conn)
        .await
        .optional()?;
    let mut emergency = None;
    let allowed = match found {
        None => false,
        Some((portal, on_team)) => {
            let therapist = who.role == Role::Therapist;
            let on_care_team = therapist && on_team;
            if therapist && !on_care_team {
                emergency =
                    crate::backend::records::emergency::active(conn, who.user_id, patient_id)
                        .await?;
            }
            let relation = Relation {
                own_record: portal == Some(who.user_id),
                on_care_team,
                emergency: emergency.is_some(),
            };
            allows(who.role, reach, relation)
        }
    };
    if !allowed {
        // Only a patient of this practice is named: an id from elsewhere
        // (or none) is kept as what was asked for.
        let about = found.map(|_| patient_id);
        return Err(refuse(conn, caller, about, AppError::NotFound).await);
    }
    Ok(Grant {
        organization_id: who.organization_id,
        patient_id,
        actor: Actor::of(who),
        endpoint: caller.endpoint,
        origin: caller.origin(),
        reach,
        resource: None,
        emergency,
    })
}

/// Grants for every patient on a therapist's caseload, with what the
/// caseload knows of each. Membership of the care team is the policy's
/// own fact, so each grant is what [`decide`] would give, without asking
/// once per patient.
pub async fn caseload(
    conn: &mut AsyncPgConnection,
    therapist: &Therapist,
    caller: &Caller,
) -> Result<Vec<(Grant, care_team::Member)>, AppError> {
    let who = &caller.who;
    let members = care_team::caseload(conn, therapist.organization_id, therapist.user_id).await?;
    let relation = Relation {
        on_care_team: true,
        ..Relation::default()
    };
    Ok(members
        .into_iter()
        .filter(|_| allows(who.role, Reach::Chart, relation))
        .map(|member| {
            let grant = Grant {
                organization_id: therapist.organization_id,
                patient_id: member.patient_id,
                actor: Actor::of(who),
                endpoint: caller.endpoint,
                origin: caller.origin(),
                reach: Reach::Chart,
                resource: None,
                emergency: None,
            };
            (grant, member)
        })
        .collect())
}

/// Grants to the roster entry (the name alone) of every patient of the
/// administrator's practice, not deleted. The policy's fact is the role:
/// asked once, for all.
pub async fn roster(
    conn: &mut AsyncPgConnection,
    admin: &Admin,
    caller: &Caller,
) -> Result<Vec<Grant>, AppError> {
    let who = &caller.who;
    if !allows(who.role, Reach::Roster, Relation::default()) {
        return Err(AppError::Forbidden);
    }
    let ids: Vec<Uuid> = patients::table
        .filter(patients::organization_id.eq(admin.organization_id))
        .filter(patients::deleted_at.is_null())
        .order(patients::created_at)
        .select(patients::id)
        .load(conn)
        .await?;
    Ok(for_caller(
        caller,
        ids,
        admin.organization_id,
        Reach::Roster,
    ))
}

/// Grants to what the retention of a record reads (the name, the date of
/// birth, legal holds) for the patients `ids` of the administrator's
/// practice, removed from the lists or not (others are left out). The
/// policy's fact is the role: asked once, for all.
pub async fn retention(
    conn: &mut AsyncPgConnection,
    admin: &Admin,
    caller: &Caller,
    ids: &[Uuid],
) -> Result<Vec<Grant>, AppError> {
    if !allows(caller.who.role, Reach::Retention, Relation::default()) {
        return Err(AppError::Forbidden);
    }
    let ids = of_practice(conn, admin.organization_id, ids).await?;
    Ok(for_caller(
        caller,
        ids,
        admin.organization_id,
        Reach::Retention,
    ))
}

/// The patients `ids` that are of practice `organization_id`, in the
/// order asked.
async fn of_practice(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    let found: std::collections::HashSet<Uuid> = patients::table
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::id.eq_any(ids))
        .select(patients::id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| found.contains(id))
        .collect())
}

/// [`each`] for the person `caller` is.
fn for_caller(caller: &Caller, ids: Vec<Uuid>, organization_id: Uuid, reach: Reach) -> Vec<Grant> {
    let asked = (caller.endpoint, caller.origin());
    each(ids, organization_id, Actor::of(&caller.who), asked, reach)
}

/// Grants to `reach` each of the records `ids` of practice
/// `organization_id`, for `actor` asking through `endpoint` from
/// `origin`: the policy allowed it once, for all.
fn each(
    ids: Vec<Uuid>,
    organization_id: Uuid,
    actor: Actor,
    (endpoint, origin): (&'static str, Origin),
    reach: Reach,
) -> Vec<Grant> {
    ids.into_iter()
        .map(|patient_id| Grant {
            organization_id,
            patient_id,
            actor,
            endpoint,
            origin: origin.clone(),
            reach,
            resource: None,
            emergency: None,
        })
        .collect()
}

/// Records a refusal (`access.denied`, naming the patient when there is
/// one) outside any transaction, so it stays recorded, and answers
/// `answer` (404 where existence is hidden, 403 otherwise).
pub async fn refuse(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    patient_id: Option<Uuid>,
    answer: AppError,
) -> AppError {
    let endpoint = caller.endpoint;
    tracing::warn!(user.id = %caller.who.user_id, endpoint, "access to a record refused");
    let event = caller
        .event_as(AuditAction::AccessDenied, AuditOutcome::Denied)
        .on("endpoint", endpoint);
    let event = match patient_id {
        Some(patient_id) => event.about_patient(patient_id),
        None => event.because("no such patient in this practice"),
    };
    match audit::record(conn, event).await {
        Ok(_) => answer,
        Err(error) => error,
    }
}

/// What the work done with an access answers: boxed, so the compiler can
/// see it is `Send` across the transaction.
pub type Work<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Spends `grant`: runs `work` with the access it allowed, in one
/// transaction that records the access as `action` and commits. The record
/// is appended last, just before the commit, so the trail's lock (one
/// writer at a time, see `audit::record`) is held for the append alone and
/// not for the reading: charts open side by side. Nothing `work` opened
/// leaves the transaction unless its record commits with it; if the
/// append fails, all of it rolls back and nothing is shown.
///
/// `work` gets the connection, the vault and the access as arguments and
/// moves in what else it needs (a `for<'c>` closure cannot borrow from
/// its caller).
pub async fn within<T, E>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grant: Grant,
    action: AuditAction,
    work: impl for<'c> FnOnce(&'c mut AsyncPgConnection, &'c Vault, &'c PatientAccess) -> Work<'c, T, E>
    + Send,
) -> Result<T, E>
where
    T: Send,
    E: From<AppError> + From<diesel::result::Error> + Send,
{
    within_each(conn, vault, vec![grant], action, |conn, vault, accesses| {
        work(conn, vault, &accesses[0])
    })
    .await
}

/// [`within`] for many grants at once (a list of patients): one
/// transaction, one record for each patient, appended together at the end.
pub async fn within_each<T, E>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grants: Vec<Grant>,
    action: AuditAction,
    work: impl for<'c> FnOnce(
        &'c mut AsyncPgConnection,
        &'c Vault,
        &'c [PatientAccess],
    ) -> Work<'c, T, E>
    + Send,
) -> Result<T, E>
where
    T: Send,
    E: From<AppError> + From<diesel::result::Error> + Send,
{
    let (events, accesses): (Vec<Event>, Vec<PatientAccess>) =
        grants.into_iter().map(|grant| grant.spend(action)).unzip();
    conn.transaction::<_, E, _>(async |conn| {
        let done = work(conn, vault, &accesses).await?;
        audit::record_all(conn, &events).await?;
        Ok(done)
    })
    .await
}

impl Grant {
    /// The event that records this grant's access as `action`, and the
    /// access itself: for [`within`] alone, which appends the one before
    /// the transaction that used the other commits.
    fn spend(self, action: AuditAction) -> (Event, PatientAccess) {
        let event = Event::new(action, AuditOutcome::Allowed, self.actor, self.origin)
            .about_patient(self.patient_id);
        let event = match self.resource {
            Some((kind, id)) => event.on(kind, id),
            None => event.on("endpoint", self.endpoint),
        };
        // Every access under emergency access names it (its reason is
        // sealed in `emergency_access`: the trail refers, never copies).
        // An operator's command has no person behind it: it says so.
        let event = match (&self.emergency, self.actor) {
            (Some(emergency), _) => event
                .because("emergency access")
                .details(Details::new().with("emergency_access", emergency.id)),
            (None, Actor::Anonymous { .. }) => event.because("operator command"),
            (None, _) => event,
        };
        // A copy of the record lists progress notes alone, whoever makes it.
        let notes_of = match (self.actor, &self.emergency, self.reach) {
            (_, _, Reach::RecordSet) => None,
            (Actor::Person { user_id, .. }, None, _) => Some(user_id),
            _ => None,
        };
        let access = PatientAccess {
            organization_id: self.organization_id,
            patient_id: self.patient_id,
            reach: self.reach,
            notes_of,
            _recorded: (),
        };
        (event, access)
    }
}

/// Logs a value of patient `patient_id` that did not open (where and why,
/// never what) and records the read as an error in the trail.
pub async fn unreadable(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    patient_id: Uuid,
    action: AuditAction,
    (column, why): (&'static str, Unreadable),
) -> Result<(), AppError> {
    tracing::error!(patient.id = %patient_id, column, %why, "a sealed value did not open");
    let event = caller
        .event_as(action, AuditOutcome::Error)
        .on("endpoint", caller.endpoint)
        .about_patient(patient_id)
        .because("record unreadable");
    audit::record(conn, event).await.map(|_| ())
}

/// The outcome of a read `grant` allowed, for the person: a value as it
/// is; a database error as itself; a value that does not open recorded by
/// [`unreadable`] and answered as [`AppError::RecordUnreadable`], never as
/// an empty record. Call it after the reading transaction ended (a failed
/// one rolled back), so the error stays recorded.
pub async fn settle<T>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    patient_id: Uuid,
    action: AuditAction,
    read: Result<T, ReadError>,
) -> Result<T, AppError> {
    noted(conn, caller, patient_id, action, read)
        .await?
        .ok_or(AppError::RecordUnreadable)
}

/// A row of a list of patients (a caseload, the roster) as read through
/// its access: the value, or `None` when it does not open, recorded by
/// [`unreadable`] so that one unreadable record does not hide the others;
/// the row then says so, and the log and trail hold why. Call it inside
/// the listing's transaction.
pub async fn listed<T>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    access: &PatientAccess,
    action: AuditAction,
    read: Result<T, ReadError>,
) -> Result<Option<T>, AppError> {
    noted(conn, caller, access.patient_id, action, read).await
}

/// A read's value; a database error as itself; `None` for a value that
/// did not open, once [`unreadable`] has recorded it.
async fn noted<T>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    patient_id: Uuid,
    action: AuditAction,
    read: Result<T, ReadError>,
) -> Result<Option<T>, AppError> {
    let failure = match read {
        Ok(value) => return Ok(Some(value)),
        Err(ReadError::App(error)) => return Err(error),
        Err(ReadError::Unreadable { column, why }) => (column, why),
    };
    unreadable(conn, caller, patient_id, action, failure).await?;
    Ok(None)
}
