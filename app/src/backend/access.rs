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

use super::{
    audit::{self, Actor, Details, Event, Origin},
    authz::{Admin, Therapist},
    care_team,
    client::ClientInfo,
    db::schema::patients,
    session::SignedIn,
    vault::{Column, Purpose, Unreadable, Vault, columns},
};
use crate::{
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
        chart::NoteKind,
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::pin::Pin;
use uuid::Uuid;

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
    reach: Reach,
    /// What in the record is reached (a note), when not the record as such.
    resource: Option<(&'static str, Uuid)>,
    /// The emergency access that allowed it, when the care team did not.
    emergency: Option<super::emergency::Active>,
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
    pub fn emergency(&self) -> Option<&super::emergency::Active> {
        self.emergency.as_ref()
    }
}

/// An authorized access to one patient's record, alive only inside the
/// transaction that records it ([`within`]). Opens that patient's sealed
/// values and no one else's.
#[derive(Debug)]
pub struct PatientAccess {
    organization_id: Uuid,
    patient_id: Uuid,
    reach: Reach,
    /// The therapist whose own (and shared) psychotherapy notes a chart's
    /// list of notes shows: the one who opened it from the care team.
    /// None under emergency access, which never reaches one.
    notes_of: Option<Uuid>,
    _recorded: (),
}

impl PatientAccess {
    /// Whether this access opens `column` where a key of `purpose` sealed
    /// it: a chart opens every part of the record; a patient's own record
    /// their details and their treatment plan (no notes, no diagnoses);
    /// the practice's roster the legal name alone. Only an access to one
    /// psychotherapy note opens what the patient's psychotherapy key
    /// sealed (that note and its addenda), and of the record no more than
    /// the patient's details, for the note's heading. The vault asks
    /// before it opens anything, so a portal page cannot open a note even
    /// by mistake, nor a chart a psychotherapy note.
    pub fn opens(&self, column: Column, purpose: Purpose) -> bool {
        let details = column.table == columns::PATIENT_LEGAL_NAME.table;
        let note = column == columns::NOTE_BODY || column == columns::ADDENDUM_BODY;
        match (self.reach, purpose) {
            (Reach::Chart, Purpose::Record) => true,
            (Reach::OwnRecord, Purpose::Record) => details || column == columns::PLAN_BODY,
            // Running the practice: the name, and why someone broke the
            // glass (the situation, never clinical detail) for the review.
            (Reach::Roster, Purpose::Record) => {
                column == columns::PATIENT_LEGAL_NAME || column == columns::EMERGENCY_REASON
            }
            (Reach::PsychotherapyNote { .. }, Purpose::Record) => details,
            (Reach::PsychotherapyNote { .. }, Purpose::Psychotherapy) => note,
            (Reach::Chart | Reach::OwnRecord | Reach::Roster, Purpose::Psychotherapy) => false,
        }
    }

    /// The key purpose what this access writes is sealed with.
    pub fn seals_with(&self) -> Purpose {
        match self.reach {
            Reach::PsychotherapyNote { .. } => Purpose::Psychotherapy,
            Reach::Chart | Reach::OwnRecord | Reach::Roster => Purpose::Record,
        }
    }

    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    pub fn patient_id(&self) -> Uuid {
        self.patient_id
    }

    /// Whose psychotherapy notes a list of this chart's notes may show
    /// (see `care_team::listed_for`).
    pub fn notes_of(&self) -> Option<Uuid> {
        self.notes_of
    }
}

/// What a person wants to reach in a patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Their own details, through the portal.
    OwnRecord,
    /// The chart: details and clinical notes.
    Chart,
    /// The practice's patient list, for running the practice: a name, and
    /// nothing clinical.
    Roster,
    /// One psychotherapy note (and its addenda): whether the person asking
    /// wrote it, and whether its author shares it with the care team.
    PsychotherapyNote { wrote_it: bool, shared: bool },
}

impl Reach {
    /// What reaching a note of `kind` is, for `who`: a progress note is
    /// part of the chart; a psychotherapy note is its own.
    pub fn note(kind: NoteKind, who: &SignedIn, author_id: Uuid, shared: bool) -> Self {
        match kind {
            NoteKind::Progress => Reach::Chart,
            NoteKind::Psychotherapy => Reach::PsychotherapyNote {
                wrote_it: author_id == who.user_id,
                shared,
            },
        }
    }
}

/// What is true between the person asking and the patient: the facts the
/// policy reads, looked up by [`decide`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// The record is the person's own (their portal account).
    pub own_record: bool,
    /// The person is on the patient's care team.
    pub on_care_team: bool,
    /// The person holds an emergency access to this patient, in force.
    pub emergency: bool,
}

/// The policy, as one table: whether someone with `role`, standing in
/// `relation` to a patient of their own practice, may `reach` the record.
/// Patients reach their own details and nothing clinical; therapists reach
/// the charts of the patients whose care team they are on, and for a while
/// any chart they opened with emergency access; a psychotherapy note only
/// its author on the care team, or the care team when the author shares
/// it (never through emergency access); administrators run the practice
/// from its roster and reach no chart. Pure, so it is tested whole.
#[must_use]
pub fn allows(role: Role, reach: Reach, relation: Relation) -> bool {
    match (role, reach) {
        (Role::Patient, Reach::OwnRecord) => relation.own_record,
        (Role::Therapist, Reach::Chart) => relation.on_care_team || relation.emergency,
        (Role::Therapist, Reach::PsychotherapyNote { wrote_it, shared }) => {
            relation.on_care_team && (wrote_it || shared)
        }
        (Role::Admin, Reach::Roster) => true,
        (Role::Patient, Reach::Chart | Reach::Roster | Reach::PsychotherapyNote { .. })
        | (Role::Therapist, Reach::OwnRecord | Reach::Roster)
        | (Role::Admin, Reach::OwnRecord | Reach::Chart | Reach::PsychotherapyNote { .. }) => false,
    }
}

/// Whether `who` may `reach` the record of patient `patient_id`.
///
/// A refusal is answered "not found" (404) whatever the reason, and the
/// same for a patient who does not exist or belongs to another practice:
/// whether a record exists is not shown to someone who may not see it.
/// (Endpoints a role may never use at all answer 403 instead; see
/// `backend::authz`.)
pub async fn decide(
    conn: &mut AsyncPgConnection,
    who: &SignedIn,
    patient_id: Uuid,
    reach: Reach,
    endpoint: &'static str,
    client: &ClientInfo,
) -> Result<Grant, AppError> {
    use super::db::schema::care_team as team;
    // The patient (of this practice, not deleted), whose portal account it
    // is, and whether the asker is on its care team: one round trip.
    let on_team = diesel::dsl::exists(
        team::table
            .filter(team::patient_id.eq(patients::id))
            .filter(team::therapist_id.eq(who.user_id)),
    );
    let found: Option<(Option<Uuid>, bool)> = patients::table
        .find(patient_id)
        .filter(patients::organization_id.eq(who.organization_id))
        .filter(patients::deleted_at.is_null())
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
                emergency = super::emergency::active(conn, who.user_id, patient_id).await?;
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
        return Err(refuse(conn, who, about, endpoint, client, AppError::NotFound).await);
    }
    Ok(Grant {
        organization_id: who.organization_id,
        patient_id,
        actor: Actor::of(who),
        endpoint,
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
    who: &SignedIn,
    endpoint: &'static str,
) -> Result<Vec<(Grant, care_team::Member)>, AppError> {
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
                endpoint,
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
    who: &SignedIn,
    endpoint: &'static str,
) -> Result<Vec<Grant>, AppError> {
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
    Ok(ids
        .into_iter()
        .map(|patient_id| Grant {
            organization_id: admin.organization_id,
            patient_id,
            actor: Actor::of(who),
            endpoint,
            reach: Reach::Roster,
            resource: None,
            emergency: None,
        })
        .collect())
}

/// Records a refusal (`access.denied`, naming the patient when there is
/// one) outside any transaction, so it stays recorded, and answers
/// `answer` (404 where existence is hidden, 403 otherwise).
pub async fn refuse(
    conn: &mut AsyncPgConnection,
    who: &SignedIn,
    patient_id: Option<Uuid>,
    endpoint: &'static str,
    client: &ClientInfo,
    answer: AppError,
) -> AppError {
    tracing::warn!(user.id = %who.user_id, endpoint, "access to a record refused");
    let event = Event::new(
        AuditAction::AccessDenied,
        AuditOutcome::Denied,
        Actor::of(who),
        Origin::from(client),
    )
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
    client: &ClientInfo,
    work: impl for<'c> FnOnce(&'c mut AsyncPgConnection, &'c Vault, &'c PatientAccess) -> Work<'c, T, E>
    + Send,
) -> Result<T, E>
where
    T: Send,
    E: From<AppError> + From<diesel::result::Error> + Send,
{
    within_each(
        conn,
        vault,
        vec![grant],
        action,
        client,
        |conn, vault, accesses| work(conn, vault, &accesses[0]),
    )
    .await
}

/// [`within`] for many grants at once (a list of patients): one
/// transaction, one record for each patient, appended together at the end.
pub async fn within_each<T, E>(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grants: Vec<Grant>,
    action: AuditAction,
    client: &ClientInfo,
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
    let (events, accesses): (Vec<Event>, Vec<PatientAccess>) = grants
        .into_iter()
        .map(|grant| grant.spend(action, client))
        .unzip();
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
    fn spend(self, action: AuditAction, client: &ClientInfo) -> (Event, PatientAccess) {
        let event = Event::new(
            action,
            AuditOutcome::Allowed,
            self.actor,
            Origin::from(client),
        )
        .about_patient(self.patient_id);
        let event = match self.resource {
            Some((kind, id)) => event.on(kind, id),
            None => event.on("endpoint", self.endpoint),
        };
        // Every access under emergency access names it (its reason is
        // sealed in `emergency_access`: the trail refers, never copies).
        let event = match &self.emergency {
            Some(emergency) => event
                .because("emergency access")
                .details(Details::new().with("emergency_access", emergency.id)),
            None => event,
        };
        let notes_of = match (self.actor, &self.emergency) {
            (Actor::Person { user_id, .. }, None) => Some(user_id),
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
    who: &SignedIn,
    patient_id: Uuid,
    endpoint: &'static str,
    action: AuditAction,
    client: &ClientInfo,
    (column, why): (&'static str, Unreadable),
) -> Result<(), AppError> {
    tracing::error!(patient.id = %patient_id, column, %why, "a sealed value did not open");
    let event = Event::new(
        action,
        AuditOutcome::Error,
        Actor::of(who),
        Origin::from(client),
    )
    .on("endpoint", endpoint)
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
    who: &SignedIn,
    patient_id: Uuid,
    endpoint: &'static str,
    action: AuditAction,
    client: &ClientInfo,
    read: Result<T, ReadError>,
) -> Result<T, AppError> {
    noted(conn, who, patient_id, endpoint, action, client, read)
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
    who: &SignedIn,
    access: &PatientAccess,
    endpoint: &'static str,
    action: AuditAction,
    client: &ClientInfo,
    read: Result<T, ReadError>,
) -> Result<Option<T>, AppError> {
    let patient_id = access.patient_id;
    noted(conn, who, patient_id, endpoint, action, client, read).await
}

/// A read's value; a database error as itself; `None` for a value that
/// did not open, once [`unreadable`] has recorded it.
async fn noted<T>(
    conn: &mut AsyncPgConnection,
    who: &SignedIn,
    patient_id: Uuid,
    endpoint: &'static str,
    action: AuditAction,
    client: &ClientInfo,
    read: Result<T, ReadError>,
) -> Result<Option<T>, AppError> {
    let failure = match read {
        Ok(value) => return Ok(Some(value)),
        Err(ReadError::App(error)) => return Err(error),
        Err(ReadError::Unreadable { column, why }) => (column, why),
    };
    unreadable(conn, who, patient_id, endpoint, action, client, failure).await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REACHES: [Reach; 7] = [
        Reach::OwnRecord,
        Reach::Chart,
        Reach::Roster,
        Reach::PsychotherapyNote {
            wrote_it: false,
            shared: false,
        },
        Reach::PsychotherapyNote {
            wrote_it: true,
            shared: false,
        },
        Reach::PsychotherapyNote {
            wrote_it: false,
            shared: true,
        },
        Reach::PsychotherapyNote {
            wrote_it: true,
            shared: true,
        },
    ];

    /// Every role × reach × relation: the policy table, whole.
    #[test]
    fn the_policy_table() {
        let relations = [
            Relation::default(),
            Relation {
                own_record: true,
                ..Relation::default()
            },
            Relation {
                on_care_team: true,
                ..Relation::default()
            },
            Relation {
                emergency: true,
                ..Relation::default()
            },
        ];
        for role in Role::ALL.iter().copied() {
            for reach in REACHES {
                for relation in relations {
                    let expected = match (role, reach) {
                        (Role::Patient, Reach::OwnRecord) => relation.own_record,
                        (Role::Therapist, Reach::Chart) => {
                            relation.on_care_team || relation.emergency
                        }
                        (Role::Therapist, Reach::PsychotherapyNote { wrote_it, shared }) => {
                            relation.on_care_team && (wrote_it || shared)
                        }
                        (Role::Admin, Reach::Roster) => true,
                        _ => false,
                    };
                    assert_eq!(
                        allows(role, reach, relation),
                        expected,
                        "{role:?} {reach:?} {relation:?}"
                    );
                }
            }
        }
        // Spelled out, the cases that matter most:
        let own = Relation {
            own_record: true,
            ..Relation::default()
        };
        assert!(
            !allows(Role::Patient, Reach::Chart, own),
            "no notes through the portal"
        );
        let team = Relation {
            on_care_team: true,
            ..Relation::default()
        };
        assert!(
            !allows(Role::Admin, Reach::Chart, team),
            "administrators see no charts"
        );
        let private = Reach::PsychotherapyNote {
            wrote_it: false,
            shared: false,
        };
        assert!(
            !allows(Role::Therapist, private, team),
            "another therapist on the team does not read a psychotherapy note not shared"
        );
        let emergency = Relation {
            emergency: true,
            ..Relation::default()
        };
        let shared = Reach::PsychotherapyNote {
            wrote_it: false,
            shared: true,
        };
        assert!(
            !allows(Role::Therapist, shared, emergency),
            "emergency access opens the chart, never psychotherapy notes"
        );
    }

    fn access(reach: Reach) -> PatientAccess {
        PatientAccess {
            organization_id: Uuid::nil(),
            patient_id: Uuid::nil(),
            reach,
            notes_of: None,
            _recorded: (),
        }
    }

    /// What each kind of access opens: the roster a name, the portal the
    /// patient's details and plan, the chart everything the record's key
    /// sealed, a psychotherapy note its own body and addenda (and the
    /// patient's details for its heading).
    #[test]
    fn each_reach_opens_only_its_columns() {
        use Purpose::{Psychotherapy, Record};
        let note = Reach::PsychotherapyNote {
            wrote_it: true,
            shared: false,
        };
        for registered in columns::ALL {
            let column = registered.column;
            let details = column.table == "patients";
            let note_text = column == columns::NOTE_BODY || column == columns::ADDENDUM_BODY;
            assert!(access(Reach::Chart).opens(column, Record), "{column:?}");
            assert_eq!(
                access(Reach::Roster).opens(column, Record),
                column == columns::PATIENT_LEGAL_NAME || column == columns::EMERGENCY_REASON,
                "{column:?}"
            );
            assert_eq!(
                access(Reach::OwnRecord).opens(column, Record),
                details || column == columns::PLAN_BODY,
                "{column:?}"
            );
            assert_eq!(access(note).opens(column, Record), details, "{column:?}");
            assert_eq!(
                access(note).opens(column, Psychotherapy),
                note_text,
                "{column:?}"
            );
            for reach in [Reach::Chart, Reach::OwnRecord, Reach::Roster] {
                assert!(!access(reach).opens(column, Psychotherapy), "{reach:?}");
                assert_eq!(access(reach).seals_with(), Record);
            }
        }
        assert_eq!(access(note).seals_with(), Psychotherapy);
        assert!(!access(Reach::OwnRecord).opens(columns::NOTE_BODY, Record));
        assert!(!access(Reach::OwnRecord).opens(columns::DIAGNOSIS_BODY, Record));
    }
}
