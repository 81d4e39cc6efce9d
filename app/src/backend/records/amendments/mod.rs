//! Amendments a patient asks for (HIPAA 164.526). The patient names an
//! item of their record ([`items`]) and says what is wrong in their words;
//! the request is due in 60 days, and the care team may take 30 more once,
//! saying why. A decision is made once: accepted (the amendment made is
//! written down, and for a signed note appended to it as an addendum) or
//! denied with a reason; after a denial the patient may file a statement
//! of disagreement once. The database refuses any change to what has been
//! decided, extended or disagreed with (a trigger), and any removal.
//!
//! Which item, when, when due and how decided are plain (a clinician's
//! home lists what waits without opening a record); every word is sealed
//! with the patient's key.

mod check;
pub mod items;

pub use check::{check_decision, check_request, check_text};

use crate::backend::{
    dates::{Zone, day},
    db::schema::{amendments, users},
    records::access::{PatientAccess, ReadError},
    records::{notes, sealing},
    vault::{Phi, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::amendment::{
        Amendment, AmendmentStatus, AmendmentsWaiting, DECIDE_WITHIN_DAYS, Decided, EXTENSION_DAYS,
        ItemKind, item_key,
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroize;

/// What a request seals: the item as the patient saw it named, and their
/// words.
#[derive(Default, Serialize, Deserialize)]
struct RequestBody {
    item_label: String,
    words: String,
}

impl SealedAsJson for RequestBody {
    fn wipe_fields(&mut self) {
        self.item_label.zeroize();
        self.words.zeroize();
    }
}

/// Records the request `id` about the item `kind`/`item_id` of the patient
/// `access` is for, in their `words`, due [`DECIDE_WITHIN_DAYS`] after
/// `today`. An item the patient could not see in a copy of their record
/// (a psychotherapy note, a draft, another patient's) is `NotFound`.
pub async fn request(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    (kind, item_id): (ItemKind, Uuid),
    words: String,
    today: Date,
) -> Result<(), ReadError> {
    let key = item_key(kind, item_id);
    let item = items::list(conn, vault, access)
        .await?
        .into_iter()
        .find(|item| item.key == key)
        .ok_or(AppError::NotFound)?;
    let body = RequestBody {
        item_label: item.label,
        words,
    };
    let sealed = sealing::seal(conn, vault, access, columns::AMENDMENT_REQUEST, id, &body).await?;
    diesel::insert_into(amendments::table)
        .values((
            amendments::id.eq(id),
            amendments::organization_id.eq(access.organization_id()),
            amendments::patient_id.eq(access.patient_id()),
            amendments::item_kind.eq(kind),
            amendments::item_id.eq(item_id),
            amendments::request_sealed.eq(sealed),
            amendments::due_on.eq(today + Duration::days(DECIDE_WITHIN_DAYS)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One stored request, not opened.
#[derive(Queryable, Selectable)]
#[diesel(table_name = amendments)]
struct Stored {
    id: Uuid,
    item_kind: ItemKind,
    item_id: Uuid,
    request_sealed: Vec<u8>,
    requested_at: OffsetDateTime,
    due_on: Date,
    extended_on: Option<Date>,
    extension_sealed: Option<Vec<u8>>,
    status: AmendmentStatus,
    decided_at: Option<OffsetDateTime>,
    decision_sealed: Option<Vec<u8>>,
    disagreement_at: Option<OffsetDateTime>,
    disagreement_sealed: Option<Vec<u8>>,
}

/// The requests of the patient `access` is for, opened, newest first;
/// `today` says which are overdue.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Vec<Amendment>, ReadError> {
    let today = zone.today();
    let rows: Vec<(Stored, Option<String>)> = amendments::table
        .left_join(users::table.on(amendments::decided_by.eq(users::id.nullable())))
        .filter(amendments::patient_id.eq(access.patient_id()))
        .filter(amendments::organization_id.eq(access.organization_id()))
        .order((amendments::requested_at.desc(), amendments::id))
        .select((Stored::as_select(), users::display_name.nullable()))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut opened = Vec::with_capacity(rows.len());
    for (row, decided_by) in rows {
        opened.push(open_row(conn, vault, access, zone, today, row, decided_by).await?);
    }
    Ok(opened)
}

/// A sealed text of request `row` in `column`, opened (`None` when there
/// is none yet).
async fn open_text(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    column: columns::Column,
    row: Uuid,
    bytes: Option<Vec<u8>>,
) -> Result<Option<String>, ReadError> {
    let text: Option<Phi<String>> =
        sealing::open_some(conn, vault, access, column, row, bytes).await?;
    Ok(text.map(|text| text.expose().clone()))
}

async fn open_row(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
    today: Date,
    row: Stored,
    decided_by: Option<String>,
) -> Result<Amendment, ReadError> {
    let id = row.id;
    let request: Phi<RequestBody> = sealing::open(
        conn,
        vault,
        access,
        columns::AMENDMENT_REQUEST,
        id,
        row.request_sealed,
    )
    .await?;
    let extension = open_text(
        conn,
        vault,
        access,
        columns::AMENDMENT_EXTENSION,
        id,
        row.extension_sealed,
    )
    .await?;
    let decision = open_text(
        conn,
        vault,
        access,
        columns::AMENDMENT_DECISION,
        id,
        row.decision_sealed,
    )
    .await?;
    let disagreement = open_text(
        conn,
        vault,
        access,
        columns::AMENDMENT_DISAGREEMENT,
        id,
        row.disagreement_sealed,
    )
    .await?;
    let request = request.expose();
    Ok(Amendment {
        id,
        item_kind: row.item_kind,
        item_id: row.item_id,
        item_label: request.item_label.clone(),
        request: request.words.clone(),
        requested_at: zone.minute(row.requested_at),
        due_on: day(row.due_on),
        overdue: row.status == AmendmentStatus::Pending && row.due_on < today,
        extension: row.extended_on.map(day).zip(extension),
        status: row.status,
        decision: row.decided_at.zip(decision).map(|(at, text)| Decided {
            by: decided_by.unwrap_or_default(),
            at: zone.minute(at),
            text,
        }),
        disagreement: row
            .disagreement_at
            .map(|at| zone.minute(at))
            .zip(disagreement),
    })
}

/// How a request is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The amendment is made, as `text` says.
    Accept,
    /// Refused, for the reason `text` gives.
    Deny,
}

/// What is plain about a request: what a step checks before it writes.
#[derive(Queryable, Selectable)]
#[diesel(table_name = amendments)]
struct Facts {
    item_kind: ItemKind,
    item_id: Uuid,
    status: AmendmentStatus,
    due_on: Date,
    extended_on: Option<Date>,
}

/// The plain facts of request `id` of the patient `access` is for.
async fn facts(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    id: Uuid,
) -> Result<Facts, AppError> {
    amendments::table
        .find(id)
        .filter(amendments::patient_id.eq(access.patient_id()))
        .filter(amendments::organization_id.eq(access.organization_id()))
        .select(Facts::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Decides request `id` of the patient `access` is for, by `by`: accepted
/// (for a signed note, `text` is appended to it as an addendum, linked to
/// the request) or denied for the reason `text`. A request decided by
/// someone else first is `EditConflict`, and nothing is written.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    by: Uuid,
    (verdict, text): (Verdict, &str),
) -> Result<(), AppError> {
    let request = facts(conn, access, id).await?;
    if request.status != AmendmentStatus::Pending {
        return Err(AppError::EditConflict);
    }
    let addendum = match (verdict, request.item_kind) {
        (Verdict::Accept, ItemKind::Note) => {
            let note = notes::meta(conn, access.organization_id(), request.item_id)
                .await?
                .filter(|note| note.patient_id == access.patient_id())
                .ok_or(AppError::NotFound)?;
            let words = format!("Amended at the patient's request: {text}");
            Some(notes::add_addendum(conn, vault, access, &note, by, &words).await?)
        }
        _ => None,
    };
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::AMENDMENT_DECISION,
        id,
        &text.to_owned(),
    )
    .await?;
    let status = match verdict {
        Verdict::Accept => AmendmentStatus::Accepted,
        Verdict::Deny => AmendmentStatus::Denied,
    };
    let changed = diesel::update(amendments::table.find(id))
        .filter(amendments::status.eq(AmendmentStatus::Pending))
        .set((
            amendments::status.eq(status),
            amendments::decided_by.eq(by),
            amendments::decided_at.eq(diesel::dsl::now),
            amendments::decision_sealed.eq(sealed),
            amendments::addendum_id.eq(addendum),
        ))
        .execute(conn)
        .await?;
    // Someone decided between the read and the write: the transaction
    // (and the addendum in it) goes back.
    if changed == 0 {
        return Err(AppError::EditConflict);
    }
    Ok(())
}

/// Takes the one extension of [`EXTENSION_DAYS`] on request `id`, for the
/// reason `why`, on `today`: only while it is undecided and not yet due.
pub async fn extend(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    why: &str,
    today: Date,
) -> Result<Date, AppError> {
    let Facts {
        status,
        due_on,
        extended_on,
        ..
    } = facts(conn, access, id).await?;
    if status != AmendmentStatus::Pending || extended_on.is_some() {
        return Err(AppError::EditConflict);
    }
    if due_on < today {
        let mut errors = FieldErrors::new();
        errors.add(
            "reason",
            "The 60 days have passed: an extension is taken before then. Decide the request now.",
        );
        return Err(AppError::Invalid(errors));
    }
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::AMENDMENT_EXTENSION,
        id,
        &why.to_owned(),
    )
    .await?;
    let due = due_on + Duration::days(EXTENSION_DAYS);
    let changed = diesel::update(amendments::table.find(id))
        .filter(amendments::status.eq(AmendmentStatus::Pending))
        .filter(amendments::extended_on.is_null())
        .set((
            amendments::due_on.eq(due),
            amendments::extended_on.eq(today),
            amendments::extension_sealed.eq(sealed),
        ))
        .execute(conn)
        .await?;
    if changed == 0 {
        return Err(AppError::EditConflict);
    }
    Ok(due)
}

/// Files the patient's statement of disagreement `words` with the denial
/// of request `id`: once, and only after a denial.
pub async fn disagree(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    words: &str,
) -> Result<(), AppError> {
    if facts(conn, access, id).await?.status != AmendmentStatus::Denied {
        let mut errors = FieldErrors::new();
        errors.add(
            "statement",
            "A statement of disagreement answers a request that was denied.",
        );
        return Err(AppError::Invalid(errors));
    }
    let sealed = sealing::seal(
        conn,
        vault,
        access,
        columns::AMENDMENT_DISAGREEMENT,
        id,
        &words.to_owned(),
    )
    .await?;
    let changed = diesel::update(amendments::table.find(id))
        .filter(amendments::status.eq(AmendmentStatus::Denied))
        .filter(amendments::disagreement_at.is_null())
        .set((
            amendments::disagreement_at.eq(diesel::dsl::now),
            amendments::disagreement_sealed.eq(sealed),
        ))
        .execute(conn)
        .await?;
    if changed == 0 {
        return Err(AppError::EditConflict);
    }
    Ok(())
}

/// Open requests of each of `patients`, nothing opened: how many, the
/// soonest due, and whether it has passed `today`.
pub async fn waiting(
    conn: &mut AsyncPgConnection,
    patients: &[Uuid],
    today: Date,
) -> Result<Vec<(Uuid, AmendmentsWaiting)>, AppError> {
    use diesel::dsl::{count_star, min};
    let rows: Vec<(Uuid, i64, Option<Date>)> = amendments::table
        .filter(amendments::patient_id.eq_any(patients))
        .filter(amendments::status.eq(AmendmentStatus::Pending))
        .group_by(amendments::patient_id)
        .select((
            amendments::patient_id,
            count_star(),
            min(amendments::due_on),
        ))
        .order(min(amendments::due_on))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(patient, count, due)| {
            let due = due?;
            Some((
                patient,
                AmendmentsWaiting {
                    count: usize::try_from(count).unwrap_or(0),
                    due_on: day(due),
                    overdue: due < today,
                },
            ))
        })
        .collect())
}
