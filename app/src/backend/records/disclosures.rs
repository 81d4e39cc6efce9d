//! Disclosures of a patient's record outside the practice (HIPAA 164.528):
//! staff record one (when, to whom, what, why, on what legal footing), and
//! a copy of the record made for someone else records its own. The whole
//! of it is sealed as one value with the patient's key; only the day is
//! plain, so the six years a patient may ask about are a query. Recorded
//! disclosures are never changed or removed.

use crate::backend::{
    dates::{Zone, check_day, day},
    db::schema::{disclosures, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::consents,
    records::sealing,
    vault::{Phi, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::consent::ConsentState,
    model::disclosure::{
        DISCLOSURE_LINE_MAX, DISCLOSURE_TEXT_MAX, Disclosure, DisclosureForm, DisclosureKind,
        DisclosureWarning, LegalBasis,
    },
    model::validate::check_line,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use zeroize::Zeroize;

/// What is sealed.
#[derive(Clone, Serialize, Deserialize)]
pub struct DisclosureBody {
    recipient: String,
    recipient_address: Option<String>,
    description: String,
    kind: DisclosureKind,
    purpose: String,
    legal_basis: LegalBasis,
    // Older disclosures were sealed without these.
    #[serde(default)]
    release_id: Option<Uuid>,
    #[serde(default)]
    sud_records: bool,
    #[serde(default)]
    warnings: Vec<DisclosureWarning>,
}

impl Default for DisclosureBody {
    fn default() -> Self {
        DisclosureBody {
            recipient: String::new(),
            recipient_address: None,
            description: String::new(),
            kind: DisclosureKind::Other,
            purpose: String::new(),
            legal_basis: LegalBasis::Authorization,
            release_id: None,
            sud_records: false,
            warnings: Vec::new(),
        }
    }
}

impl SealedAsJson for DisclosureBody {
    fn wipe_fields(&mut self) {
        self.recipient.zeroize();
        self.recipient_address.zeroize();
        self.description.zeroize();
        self.purpose.zeroize();
    }
}

/// A disclosure as typed, checked. Health information: never printed.
pub struct NewDisclosure {
    on: Date,
    body: DisclosureBody,
    by_copy: bool,
}

impl NewDisclosure {
    /// This disclosure is of a copy of the record Cairn made for the
    /// recipient, `sud_records` when it held substance-use counseling
    /// notes.
    pub fn of_copy(mut self, sud_records: bool) -> Self {
        self.by_copy = true;
        self.body.sud_records = sud_records;
        self
    }
}

impl std::fmt::Debug for NewDisclosure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewDisclosure(<redacted>)")
    }
}

/// The earliest day a disclosure may be recorded as made on (one kept on
/// paper, entered late).
const FIRST_DAY: Date = time::macros::date!(1970 - 01 - 01);

/// Checks a disclosure as typed: the day (today when blank; never in the
/// future), who received it, what was disclosed, what it was for, why,
/// and the legal basis, each within its length.
pub fn check(form: &DisclosureForm, today: Date) -> Result<NewDisclosure, AppError> {
    let mut errors = FieldErrors::new();
    let on = match form.disclosed_on.trim() {
        "" => Some(today),
        typed => check_day(
            &mut errors,
            "disclosed_on",
            typed,
            "disclosure",
            FIRST_DAY,
            today,
        ),
    };
    let mut line = |field: &str, typed: &str, max: usize, missing: &str| {
        check_line(&mut errors, field, typed, max, missing)
    };
    let recipient = line(
        "recipient",
        &form.recipient,
        DISCLOSURE_LINE_MAX,
        "Enter who received it (a person or an organization).",
    );
    let address = line(
        "recipient_address",
        &form.recipient_address,
        DISCLOSURE_LINE_MAX,
        "",
    );
    let description = line(
        "description",
        &form.description,
        DISCLOSURE_TEXT_MAX,
        "Say what was disclosed.",
    );
    let purpose = line(
        "purpose",
        &form.purpose,
        DISCLOSURE_LINE_MAX,
        "Say why it was disclosed.",
    );
    let kind = form.kind.parse::<DisclosureKind>().ok();
    if kind.is_none() {
        errors.add("kind", "Choose what the disclosure was for.");
    }
    let legal_basis = form.legal_basis.parse::<LegalBasis>().ok();
    if legal_basis.is_none() {
        errors.add("legal_basis", "Choose the legal basis.");
    }
    let release_id = match form.release_id.trim() {
        "" => None,
        typed => {
            let id = typed.parse::<Uuid>().ok();
            if id.is_none() {
                errors.add("release_id", "Choose one of the patient's releases.");
            }
            id
        }
    };
    errors.into_result()?;
    let (Some(on), Some(kind), Some(legal_basis)) = (on, kind, legal_basis) else {
        return Err(AppError::Internal);
    };
    Ok(NewDisclosure {
        on,
        body: DisclosureBody {
            recipient,
            recipient_address: (!address.is_empty()).then_some(address),
            description,
            kind,
            purpose,
            legal_basis,
            release_id,
            sud_records: matches!(form.sud_records.as_str(), "on" | "true"),
            warnings: Vec::new(),
        },
        by_copy: false,
    })
}

/// Records `disclosure` (as row `id`, by `by`) for the patient `access` is
/// for, checked against the patient's consents as they stood on its day
/// in the practice's `zone`: a release named that had expired or been
/// revoked, or counseling records without a consent to disclose them, are
/// recorded with it as warnings, and answered. A release that is not one
/// of the patient's is refused beside the field. Call it in the
/// transaction `access` was recorded in.
pub async fn record(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    (id, by): (Uuid, Uuid),
    mut disclosure: NewDisclosure,
    zone: &Zone,
) -> Result<Vec<DisclosureWarning>, AppError> {
    let mut warnings = Vec::new();
    if let Some(release) = disclosure.body.release_id {
        match consents::standing(conn, access, release, disclosure.on, zone).await? {
            Some((kind, state)) if kind.names_recipient() => match state {
                ConsentState::InForce => {}
                ConsentState::NotYetGiven => warnings.push(DisclosureWarning::ReleaseNotYetGiven),
                ConsentState::Expired => warnings.push(DisclosureWarning::ReleaseExpired),
                ConsentState::Revoked => warnings.push(DisclosureWarning::ReleaseRevoked),
            },
            _ => {
                let mut errors = FieldErrors::new();
                errors.add("release_id", "Choose one of the patient's releases.");
                return Err(AppError::Invalid(errors));
            }
        }
    }
    if disclosure.body.sud_records
        && !consents::sud_consent_on(conn, access, disclosure.on, zone).await?
    {
        warnings.push(DisclosureWarning::NoSudConsent);
    }
    disclosure.body.warnings.clone_from(&warnings);
    let body = sealing::seal(
        conn,
        vault,
        access,
        columns::DISCLOSURE_BODY,
        id,
        &disclosure.body,
    )
    .await?;
    diesel::insert_into(disclosures::table)
        .values((
            disclosures::id.eq(id),
            disclosures::organization_id.eq(access.organization_id()),
            disclosures::patient_id.eq(access.patient_id()),
            disclosures::disclosed_on.eq(disclosure.on),
            disclosures::body_sealed.eq(body),
            disclosures::by_copy.eq(disclosure.by_copy),
            disclosures::recorded_by.eq(by),
        ))
        .execute(conn)
        .await?;
    Ok(warnings)
}

/// One stored row, not opened.
#[derive(Queryable, Selectable)]
#[diesel(table_name = disclosures)]
struct Stored {
    id: Uuid,
    disclosed_on: Date,
    body_sealed: Vec<u8>,
    by_copy: bool,
}

/// The disclosures of the patient `access` is for made on or after
/// `since` (every one when `None`), opened, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    since: Option<Date>,
) -> Result<Vec<Disclosure>, ReadError> {
    let mut query = disclosures::table
        .inner_join(users::table.on(users::id.eq(disclosures::recorded_by)))
        .filter(disclosures::patient_id.eq(access.patient_id()))
        .filter(disclosures::organization_id.eq(access.organization_id()))
        .order((
            disclosures::disclosed_on.desc(),
            disclosures::created_at.desc(),
        ))
        .select((Stored::as_select(), staff_name()))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(disclosures::disclosed_on.ge(since));
    }
    let rows: Vec<(Stored, String)> = query.load(conn).await.map_err(AppError::from)?;
    let mut opened = Vec::with_capacity(rows.len());
    for (stored, recorded_by) in rows {
        let body: Phi<DisclosureBody> = sealing::open(
            conn,
            vault,
            access,
            columns::DISCLOSURE_BODY,
            stored.id,
            stored.body_sealed,
        )
        .await?;
        let body = body.expose();
        opened.push(Disclosure {
            id: stored.id,
            disclosed_on: day(stored.disclosed_on),
            recipient: body.recipient.clone(),
            recipient_address: body.recipient_address.clone(),
            description: body.description.clone(),
            kind: body.kind,
            purpose: body.purpose.clone(),
            legal_basis: body.legal_basis,
            by_copy: stored.by_copy,
            recorded_by,
            release_id: body.release_id,
            sud_records: body.sud_records,
            warnings: body.warnings.clone(),
        });
    }
    Ok(opened)
}

/// The first day of the six years before `today` a patient may ask about.
pub fn accounting_since(today: Date) -> Date {
    let years = crate::model::disclosure::ACCOUNTING_YEARS;
    // 29 February six years on is 28 February (or 1 March): the earlier
    // day keeps the window at least six years long.
    today
        .replace_year(today.year() - years)
        .or_else(|_| {
            today
                .replace_day(28)
                .and_then(|d| d.replace_year(today.year() - years))
        })
        .unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 06);

    fn form() -> DisclosureForm {
        DisclosureForm {
            disclosed_on: String::new(),
            recipient: "Example County Court".into(),
            recipient_address: String::new(),
            description: "Attendance dates, March to June".into(),
            kind: "other".into(),
            purpose: "Subpoena in a custody case".into(),
            legal_basis: "court-order".into(),
            ..DisclosureForm::default()
        }
    }

    #[test]
    fn a_disclosure_needs_a_recipient_what_why_and_a_basis() {
        let checked = check(&form(), TODAY).expect("valid");
        assert_eq!(checked.on, TODAY);
        assert_eq!(checked.body.kind, DisclosureKind::Other);
        assert_eq!(checked.body.legal_basis, LegalBasis::CourtOrder);
        assert!(checked.body.recipient_address.is_none());
        let error = check(&DisclosureForm::default(), TODAY).expect_err("empty");
        for field in ["recipient", "description", "purpose", "kind", "legal_basis"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        assert!(error.field("disclosed_on").is_none(), "blank is today");
        let mut odd = form();
        odd.kind = "gossip".into();
        odd.legal_basis = "because".into();
        odd.recipient = "x".repeat(DISCLOSURE_LINE_MAX + 1);
        let error = check(&odd, TODAY).expect_err("refused");
        for field in ["recipient", "kind", "legal_basis"] {
            assert!(error.field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_disclosure_is_not_in_the_future() {
        let mut typed = form();
        typed.disclosed_on = "2026-12-07".into();
        let error = check(&typed, TODAY).expect_err("tomorrow");
        assert!(
            error
                .field("disclosed_on")
                .is_some_and(|m| m.contains("after"))
        );
        typed.disclosed_on = "2019-02-01".into();
        assert_eq!(
            check(&typed, TODAY).expect("past").on,
            date!(2019 - 02 - 01)
        );
    }

    #[test]
    fn the_accounting_covers_six_years() {
        assert_eq!(accounting_since(TODAY), date!(2020 - 12 - 06));
        assert_eq!(
            accounting_since(date!(2028 - 02 - 29)),
            date!(2022 - 02 - 28)
        );
    }
}
