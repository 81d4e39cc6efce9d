//! Patients' identifying details, sealed with each patient's own data key
//! and searchable by blind index. Reading them takes a
//! [`PatientAccess`]; finding candidates by an exact value does not open
//! anything.

use crate::backend::dates::day;
use crate::backend::{
    db::schema::patients,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{
        Binding, Column, Normalize, Phi, PhiValue, Scope, Sealed, Vault, blind::normalize, columns,
    },
};
use crate::error::AppError;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::Date;
use uuid::Uuid;

mod check;
pub mod correct;

pub use check::{Contact, check_contact, check_new};

/// A new patient's details, as validated by the caller.
pub struct NewPatient {
    pub legal_name: String,
    pub date_of_birth: Date,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Their portal account, when they have one.
    pub user_id: Option<Uuid>,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for NewPatient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPatient(<redacted>)")
    }
}

/// Whether `patient_id` is a patient of the practice (not removed). Says
/// nothing of who may read the record: the policy decides that.
pub async fn in_practice(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    patient_id: Uuid,
) -> Result<bool, AppError> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(
        patients::table
            .find(patient_id)
            .filter(patients::organization_id.eq(organization_id))
            .filter(patients::deleted_at.is_null()),
    ))
    .get_result(conn)
    .await?)
}

/// The practice's patients who have a portal account.
pub async fn with_portal(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(patients::table
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::user_id.is_not_null())
        .select(patients::id)
        .load(conn)
        .await?)
}

/// Adds a patient: a data key of their own, every detail sealed with it,
/// blind indexes for the searchable ones. One transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    new: &NewPatient,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let scope = Scope::patient(organization_id, id);
    let index = |by: SearchBy<'_>| by.index(vault, organization_id);
    conn.transaction::<_, AppError, _>(async |conn| {
        let legal_name = seal(
            vault,
            conn,
            scope,
            columns::PATIENT_LEGAL_NAME.at(id),
            &new.legal_name,
        )
        .await?;
        let date_of_birth = seal(
            vault,
            conn,
            scope,
            columns::PATIENT_DATE_OF_BIRTH.at(id),
            &new.date_of_birth,
        )
        .await?;
        let email = match &new.email {
            Some(email) => {
                Some(seal(vault, conn, scope, columns::PATIENT_EMAIL.at(id), email).await?)
            }
            None => None,
        };
        let phone = match &new.phone {
            Some(phone) => {
                Some(seal(vault, conn, scope, columns::PATIENT_PHONE.at(id), phone).await?)
            }
            None => None,
        };
        diesel::insert_into(patients::table)
            .values((
                patients::id.eq(id),
                patients::organization_id.eq(organization_id),
                patients::user_id.eq(new.user_id),
                patients::legal_name_sealed.eq(legal_name),
                patients::legal_name_index.eq(index(SearchBy::Name(&new.legal_name))),
                patients::date_of_birth_sealed.eq(date_of_birth),
                patients::date_of_birth_index.eq(index(SearchBy::DateOfBirth(new.date_of_birth))),
                patients::email_sealed.eq(email),
                patients::email_index.eq(new.email.as_deref().map(|e| index(SearchBy::Email(e)))),
                patients::phone_sealed.eq(phone),
                patients::phone_index.eq(new.phone.as_deref().map(|p| index(SearchBy::Phone(p)))),
            ))
            .execute(conn)
            .await?;
        Ok(id)
    })
    .await
}

/// `value` sealed for `at` with the scope's key, as stored.
async fn seal<T: PhiValue>(
    vault: &Vault,
    conn: &mut AsyncPgConnection,
    scope: Scope,
    at: Binding<'_>,
    value: &T,
) -> Result<Vec<u8>, AppError> {
    Ok(Sealed::seal(vault, conn, scope, at, value)
        .await?
        .into_bytes())
}

/// The record of the person with account `user_id`, when they have one.
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    use diesel::OptionalExtension;
    Ok(patients::table
        .filter(patients::user_id.eq(user_id))
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::id)
        .first(conn)
        .await
        .optional()?)
}

/// The practice patient `id` belongs to (for operators' commands).
pub async fn organization_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    use diesel::OptionalExtension;
    Ok(patients::table
        .find(id)
        .select(patients::organization_id)
        .first(conn)
        .await
        .optional()?)
}

/// A patient's identifying details, opened.
#[derive(Debug)]
pub struct Demographics {
    pub legal_name: Phi<String>,
    pub date_of_birth: Phi<Date>,
    pub email: Option<Phi<String>>,
    pub phone: Option<Phi<String>>,
    pub preferred_name: Option<Phi<String>>,
    pub pronouns: Option<Phi<String>>,
}

impl Demographics {
    /// How they ask to be addressed, when they said ("goes by Ave ·
    /// they/them").
    pub fn goes_by(&self) -> Option<String> {
        crate::model::details::goes_by(
            self.preferred_name.as_ref().map(|n| n.expose().as_str()),
            self.pronouns.as_ref().map(|p| p.expose().as_str()),
        )
    }

    /// Who they are, with `details`, as the portal and a copy of the record
    /// show it.
    pub fn information(
        &self,
        details: crate::model::details::PatientDetails,
    ) -> crate::model::patient::MyInformation {
        crate::model::patient::MyInformation {
            legal_name: self.legal_name.expose().clone(),
            date_of_birth: crate::backend::dates::day(*self.date_of_birth.expose()),
            email: self.email.as_ref().map(|e| e.expose().clone()),
            phone: self.phone.as_ref().map(|p| p.expose().clone()),
            details,
        }
    }

    /// The legal name, with how they ask to be addressed beside it: what a
    /// page about them shows staff in its heading.
    pub fn named(&self) -> String {
        let legal = self.legal_name.expose();
        match self.goes_by() {
            Some(goes_by) => format!("{legal} ({goes_by})"),
            None => legal.clone(),
        }
    }
}

/// The sealed details as stored: name, date of birth, email, phone,
/// preferred name, pronouns.
type StoredDetails = (
    Vec<u8>,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// The details of the patient `access` is for.
pub async fn demographics(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Demographics, ReadError> {
    let id = access.patient_id();
    let (name, born, email, phone, preferred, pronouns): StoredDetails = patients::table
        .find(id)
        .filter(patients::organization_id.eq(access.organization_id()))
        .select((
            patients::legal_name_sealed,
            patients::date_of_birth_sealed,
            patients::email_sealed,
            patients::phone_sealed,
            patients::preferred_name_sealed,
            patients::pronouns_sealed,
        ))
        .first(conn)
        .await
        .map_err(AppError::from)?;
    Ok(Demographics {
        legal_name: sealing::open(conn, vault, access, columns::PATIENT_LEGAL_NAME, id, name)
            .await?,
        date_of_birth: sealing::open(
            conn,
            vault,
            access,
            columns::PATIENT_DATE_OF_BIRTH,
            id,
            born,
        )
        .await?,
        email: sealing::open_some(conn, vault, access, columns::PATIENT_EMAIL, id, email).await?,
        phone: sealing::open_some(conn, vault, access, columns::PATIENT_PHONE, id, phone).await?,
        preferred_name: sealing::open_some(
            conn,
            vault,
            access,
            columns::PATIENT_PREFERRED_NAME,
            id,
            preferred,
        )
        .await?,
        pronouns: sealing::open_some(conn, vault, access, columns::PATIENT_PRONOUNS, id, pronouns)
            .await?,
    })
}

/// Replaces the email and phone of the patient `access` is for (sealed
/// values and their blind indexes together). Call it in the transaction
/// `access` was recorded in.
pub async fn update_contact(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    contact: &Contact,
) -> Result<(), AppError> {
    let id = access.patient_id();
    let organization_id = access.organization_id();
    let index = |by: SearchBy<'_>| by.index(vault, organization_id);
    let email = match &contact.email {
        Some(email) => {
            Some(sealing::seal(conn, vault, access, columns::PATIENT_EMAIL, id, email).await?)
        }
        None => None,
    };
    let phone = match &contact.phone {
        Some(phone) => {
            Some(sealing::seal(conn, vault, access, columns::PATIENT_PHONE, id, phone).await?)
        }
        None => None,
    };
    diesel::update(patients::table.find(id))
        .filter(patients::organization_id.eq(organization_id))
        .set((
            patients::email_sealed.eq(email),
            patients::email_index.eq(contact.email.as_deref().map(|e| index(SearchBy::Email(e)))),
            patients::phone_sealed.eq(phone),
            patients::phone_index.eq(contact.phone.as_deref().map(|p| index(SearchBy::Phone(p)))),
            patients::version.eq(patients::version + 1),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The legal name of the patient `access` is for: all the practice's
/// roster opens.
pub async fn legal_name(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Phi<String>, ReadError> {
    let id = access.patient_id();
    let name: Vec<u8> = patients::table
        .find(id)
        .filter(patients::organization_id.eq(access.organization_id()))
        .select(patients::legal_name_sealed)
        .first(conn)
        .await
        .map_err(AppError::from)?;
    sealing::open(conn, vault, access, columns::PATIENT_LEGAL_NAME, id, name).await
}

/// The legal name and date of birth of the patient `access` is for: what
/// the retention of the record reads.
pub async fn name_and_birth(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<(Phi<String>, Phi<Date>), ReadError> {
    let id = access.patient_id();
    let (name, born): (Vec<u8>, Vec<u8>) = patients::table
        .find(id)
        .filter(patients::organization_id.eq(access.organization_id()))
        .select((patients::legal_name_sealed, patients::date_of_birth_sealed))
        .first(conn)
        .await
        .map_err(AppError::from)?;
    Ok((
        sealing::open(conn, vault, access, columns::PATIENT_LEGAL_NAME, id, name).await?,
        sealing::open(
            conn,
            vault,
            access,
            columns::PATIENT_DATE_OF_BIRTH,
            id,
            born,
        )
        .await?,
    ))
}

/// Removes the patient `access` is for from every list of the practice, on
/// behalf of `by`: a soft delete. Nothing is physically removed (the
/// application's role may not DELETE patients); the record stays for
/// retention, and the act is in the trail (the access was recorded as
/// `record.deleted`). Call it in the transaction `access` was recorded in.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    by: Uuid,
) -> Result<(), AppError> {
    let changed = diesel::update(patients::table.find(access.patient_id()))
        .filter(patients::organization_id.eq(access.organization_id()))
        .filter(patients::deleted_at.is_null())
        .set((
            patients::deleted_at.eq(diesel::dsl::now),
            patients::deleted_by.eq(by),
        ))
        .execute(conn)
        .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A searchable detail and the value sought.
#[derive(Debug, Clone, Copy)]
pub enum SearchBy<'a> {
    Name(&'a str),
    DateOfBirth(Date),
    Email(&'a str),
    Phone(&'a str),
}

impl<'a> SearchBy<'a> {
    /// What a search box's text looks for: a date (`YYYY-MM-DD`) is a date
    /// of birth, an address with `@` an email, mostly digits a phone
    /// number, anything else a full name. `None` when it is blank.
    pub fn from_text(text: &'a str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Some(date) = crate::backend::dates::parse_day(text) {
            return Some(SearchBy::DateOfBirth(date));
        }
        if text.contains('@') {
            return Some(SearchBy::Email(text));
        }
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let phoneish = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if phoneish && digits >= 4 {
            return Some(SearchBy::Phone(text));
        }
        Some(SearchBy::Name(text))
    }
}

impl SearchBy<'_> {
    /// The column searched, how its values are normalized, and the value
    /// sought: the one definition of how each detail is indexed, for
    /// storing, searching and confirming alike.
    fn parts(self) -> (Column, Normalize, String) {
        match self {
            SearchBy::Name(name) => (
                columns::PATIENT_LEGAL_NAME,
                Normalize::Text,
                name.to_owned(),
            ),
            SearchBy::DateOfBirth(date) => {
                (columns::PATIENT_DATE_OF_BIRTH, Normalize::Text, day(date))
            }
            SearchBy::Email(email) => (columns::PATIENT_EMAIL, Normalize::Email, email.to_owned()),
            SearchBy::Phone(phone) => (columns::PATIENT_PHONE, Normalize::Phone, phone.to_owned()),
        }
    }

    /// The blind index of the value.
    fn index(self, vault: &Vault, organization_id: Uuid) -> Vec<u8> {
        let (column, kind, value) = self.parts();
        vault.blind_index(organization_id, column, kind, &value)
    }

    /// Whether the opened `details` hold exactly the value sought. Blind
    /// indexes are short on purpose and so are shared by other values:
    /// candidates are confirmed with this before they count as found.
    pub fn matches(self, details: &Demographics) -> bool {
        let (column, kind, sought) = self.parts();
        let held = if column == columns::PATIENT_LEGAL_NAME {
            Some(details.legal_name.expose().clone())
        } else if column == columns::PATIENT_DATE_OF_BIRTH {
            Some(day(*details.date_of_birth.expose()))
        } else if column == columns::PATIENT_EMAIL {
            details.email.as_ref().map(|e| e.expose().clone())
        } else {
            details.phone.as_ref().map(|p| p.expose().clone())
        };
        let held = zeroize::Zeroizing::new(held);
        held.as_deref()
            .is_some_and(|held| normalize(kind, held) == normalize(kind, &sought))
    }
}

impl SearchBy<'_> {
    /// Whether a patient the searcher already has open (their own
    /// caseload, decrypted to be listed) is one this search finds: a name
    /// by its parts ("ave qui" finds Avery Quinn; case and accents do not
    /// matter), anything else exactly as [`Self::matches`]. Part of a name
    /// can be looked for only among charts the searcher may open anyway;
    /// the practice-wide lookup through the blind indexes stays exact.
    pub fn finds_in_caseload(self, details: &Demographics) -> bool {
        let SearchBy::Name(sought) = self else {
            return self.matches(details);
        };
        let held = normalize(Normalize::Text, details.legal_name.expose());
        let sought = normalize(Normalize::Text, sought);
        sought.split(' ').all(|part| held.contains(part))
    }
}

/// Patients of the practice whose blind index matches: the candidates.
/// Several values share an index on purpose, so the caller opens the
/// candidates it may read and keeps the exact matches.
pub async fn candidates(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    by: SearchBy<'_>,
) -> Result<Vec<Uuid>, AppError> {
    let key = by.index(vault, organization_id);
    let in_practice = patients::table
        .filter(patients::organization_id.eq(organization_id))
        .filter(patients::deleted_at.is_null())
        .select(patients::id)
        .order(patients::id)
        .into_boxed();
    let matching = match by {
        SearchBy::Name(_) => in_practice.filter(patients::legal_name_index.eq(key)),
        SearchBy::DateOfBirth(_) => in_practice.filter(patients::date_of_birth_index.eq(key)),
        SearchBy::Email(_) => in_practice.filter(patients::email_index.eq(key)),
        SearchBy::Phone(_) => in_practice.filter(patients::phone_index.eq(key)),
    };
    Ok(matching.load(conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_box_s_text_says_what_it_looks_for() {
        assert!(SearchBy::from_text("   ").is_none());
        assert!(matches!(
            SearchBy::from_text(" 1995-11-02 "),
            Some(SearchBy::DateOfBirth(d)) if day(d) == "1995-11-02"
        ));
        assert!(matches!(
            SearchBy::from_text("a@b.example"),
            Some(SearchBy::Email(_))
        ));
        assert!(matches!(
            SearchBy::from_text("(555) 0101"),
            Some(SearchBy::Phone(_))
        ));
        assert!(matches!(
            SearchBy::from_text("Avery Quinn"),
            Some(SearchBy::Name(_))
        ));
        // Too few digits to be a phone number: a name (or nothing) it is.
        assert!(matches!(SearchBy::from_text("12"), Some(SearchBy::Name(_))));
        // Not a real day: never searched as a birthday.
        assert!(!matches!(
            SearchBy::from_text("2026-02-30"),
            Some(SearchBy::DateOfBirth(_))
        ));
    }
}
