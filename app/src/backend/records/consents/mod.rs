//! Consents a patient gave ([`templates`] are the practice's forms;
//! [`sign`] checks a signature). Who signed and, for a release, who may
//! receive what and why are sealed with the patient's key as one value;
//! the hash of the exact text signed, the time, the end date and the
//! revocation are plain, because they are what disclosures, copies of the
//! record and the administrators' reminders are checked against.
//!
//! A consent is never changed: revoking one (at once, for whatever
//! follows) is the only thing that happens to it.

pub mod sign;
pub mod templates;

use crate::backend::{
    dates::{Zone, day},
    db::schema::{consent_templates, consents, users},
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Phi, SealedAsJson, Vault, columns},
};
use crate::{
    error::AppError,
    model::consent::{
        Consent, ConsentKind, ConsentMethod, ConsentState, EXPIRY_NOTICE_DAYS, Release,
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroize;

pub use sign::{NewConsent, Signer};

/// What is sealed.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ConsentBody {
    signed_name: String,
    release: Option<ReleaseBody>,
}

/// Who may receive what, and why.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ReleaseBody {
    recipient: String,
    released: String,
    purpose: String,
}

impl SealedAsJson for ConsentBody {
    fn wipe_fields(&mut self) {
        self.signed_name.zeroize();
        if let Some(release) = &mut self.release {
            release.recipient.zeroize();
            release.released.zeroize();
            release.purpose.zeroize();
        }
    }
}

/// Records `consent` (as row `id`, by `by`: the patient, or the staff
/// member recording a paper one) for the patient `access` is for. Call it
/// in the transaction `access` was recorded in.
pub async fn record(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    by: Uuid,
    consent: &NewConsent,
) -> Result<(), AppError> {
    let body = sealing::seal(
        conn,
        vault,
        access,
        columns::CONSENT_BODY,
        id,
        &consent.body,
    )
    .await?;
    diesel::insert_into(consents::table)
        .values((
            consents::id.eq(id),
            consents::organization_id.eq(access.organization_id()),
            consents::patient_id.eq(access.patient_id()),
            consents::template_id.eq(consent.template_id),
            consents::text_sha256.eq(&consent.text_sha256),
            consents::signed_at.eq(consent.signed_at),
            consents::method.eq(consent.method),
            consents::recorded_by.eq(by),
            consents::body_sealed.eq(body),
            consents::expires_on.eq(consent.expires_on),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes consent `id` of the patient `access` is for, by `by`, from now
/// on. `NotFound` when it is not theirs or was revoked already.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    id: Uuid,
    by: Uuid,
) -> Result<(), AppError> {
    let changed = diesel::update(consents::table.find(id))
        .filter(consents::patient_id.eq(access.patient_id()))
        .filter(consents::organization_id.eq(access.organization_id()))
        .filter(consents::revoked_at.is_null())
        .set((
            consents::revoked_at.eq(diesel::dsl::now),
            consents::revoked_by.eq(by),
        ))
        .execute(conn)
        .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A consent's plain facts: enough to tell where it stood on a day.
#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
struct Standing {
    signed_at: OffsetDateTime,
    expires_on: Option<Date>,
    revoked_at: Option<OffsetDateTime>,
}

impl Standing {
    /// Where it stood on `on` (in the practice's `zone`): not yet given
    /// before the day it was signed, revoked from the day it was revoked,
    /// expired after its last day.
    fn on(&self, on: Date, zone: &Zone) -> ConsentState {
        match (self.revoked_at, self.expires_on) {
            _ if zone.date_of(self.signed_at) > on => ConsentState::NotYetGiven,
            (Some(at), _) if zone.date_of(at) <= on => ConsentState::Revoked,
            (_, Some(last)) if last < on => ConsentState::Expired,
            _ => ConsentState::InForce,
        }
    }
}

/// Where the patient's consent `id` stood on `on`, with what kind of
/// form it was; `None` when it is no consent of theirs.
pub async fn standing(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    id: Uuid,
    on: Date,
    zone: &Zone,
) -> Result<Option<(ConsentKind, ConsentState)>, AppError> {
    let found: Option<(ConsentKind, Standing)> = consents::table
        .inner_join(consent_templates::table)
        .filter(consents::id.eq(id))
        .filter(consents::patient_id.eq(access.patient_id()))
        .filter(consents::organization_id.eq(access.organization_id()))
        .select((consent_templates::kind, Standing::as_select()))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(kind, standing)| (kind, standing.on(on, zone))))
}

/// Whether a consent to disclose the patient's substance-use counseling
/// records (42 CFR Part 2) was in force on `on`.
pub async fn sud_consent_on(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    on: Date,
    zone: &Zone,
) -> Result<bool, AppError> {
    let given: Vec<Standing> = consents::table
        .inner_join(consent_templates::table)
        .filter(consents::patient_id.eq(access.patient_id()))
        .filter(consents::organization_id.eq(access.organization_id()))
        .filter(consent_templates::kind.eq(ConsentKind::SudDisclosure))
        .select(Standing::as_select())
        .load(conn)
        .await?;
    Ok(given
        .iter()
        .any(|standing| standing.on(on, zone) == ConsentState::InForce))
}

/// One stored consent with its form, not opened.
#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
struct Stored {
    id: Uuid,
    method: ConsentMethod,
    body_sealed: Vec<u8>,
    text_sha256: Vec<u8>,
    #[diesel(embed)]
    standing: Standing,
}

/// Every consent of the patient `access` is for, opened, newest first,
/// with where each stands `today`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    zone: &Zone,
) -> Result<Vec<Consent>, ReadError> {
    let today = zone.today();
    // A consent signed in the portal was recorded by the patient, whose
    // account keeps no name in the clear: only staff have one to show.
    let rows: Vec<(Stored, ConsentKind, String, i32, Option<String>)> = consents::table
        .inner_join(consent_templates::table)
        .inner_join(users::table.on(users::id.eq(consents::recorded_by)))
        .filter(consents::patient_id.eq(access.patient_id()))
        .filter(consents::organization_id.eq(access.organization_id()))
        .order((consents::signed_at.desc(), consents::id))
        .select((
            Stored::as_select(),
            consent_templates::kind,
            consent_templates::title,
            consent_templates::version,
            users::display_name,
        ))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut opened = Vec::with_capacity(rows.len());
    for (stored, kind, title, version, recorded_by) in rows {
        let body: Phi<ConsentBody> = sealing::open(
            conn,
            vault,
            access,
            columns::CONSENT_BODY,
            stored.id,
            stored.body_sealed,
        )
        .await?;
        let body = body.expose();
        opened.push(Consent {
            id: stored.id,
            kind,
            title,
            version,
            method: stored.method,
            signed_name: body.signed_name.clone(),
            signed_at: zone.minute(stored.standing.signed_at),
            recorded_by: recorded_by.filter(|_| stored.method == ConsentMethod::Paper),
            release: body.release.as_ref().map(|release| Release {
                recipient: release.recipient.clone(),
                released: release.released.clone(),
                purpose: release.purpose.clone(),
            }),
            expires_on: stored.standing.expires_on.map(day),
            state: stored.standing.on(today, zone),
            revoked_at: stored.standing.revoked_at.map(|at| zone.minute(at)),
            text_sha256: templates::hex(&stored.text_sha256),
        });
    }
    Ok(opened)
}

/// How many consents of practice `organization_id` in force end within
/// [`EXPIRY_NOTICE_DAYS`] of `today`, for the administrators' home.
/// Counted from plain dates, nothing opened.
pub async fn expiring_count(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    today: Date,
) -> Result<i64, AppError> {
    Ok(consents::table
        .filter(consents::organization_id.eq(organization_id))
        .filter(consents::revoked_at.is_null())
        .filter(consents::expires_on.ge(today))
        .filter(consents::expires_on.le(today + Duration::days(EXPIRY_NOTICE_DAYS)))
        .count()
        .get_result(conn)
        .await?)
}
