//! A patient's insurance policies: payer, member and group numbers,
//! subscriber (the patient or another person, with their name and date of
//! birth) and effective dates, sealed as one value with the patient's key.
//! More than one policy; at most one primary (the database holds to it);
//! a policy no longer in use is ended, never removed.

use crate::backend::{
    dates::{check_day, day},
    db::schema::{insurance_policies, users},
    identity::account_identity::staff_name,
    records::access::{PatientAccess, ReadError},
    records::sealing,
    vault::{Phi, SealedAsJson, Vault, columns},
};
use crate::{
    error::{AppError, FieldErrors},
    model::details::{InsuranceForm, InsurancePolicy, LINE_MAX, MEMBER_ID_MAX, Subscriber},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use zeroize::Zeroize;

/// What is sealed.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct PolicyBody {
    payer: String,
    member_id: String,
    group_number: Option<String>,
    /// The subscriber's name and date of birth when not the patient.
    subscriber: Option<(String, Date)>,
    effective_from: Option<Date>,
    effective_to: Option<Date>,
}

impl SealedAsJson for PolicyBody {
    fn wipe_fields(&mut self) {
        self.payer.zeroize();
        self.member_id.zeroize();
        self.group_number.zeroize();
        if let Some((name, _)) = &mut self.subscriber {
            name.zeroize();
        }
    }
}

/// A policy as typed, checked. Health information: never printed.
pub struct NewPolicy {
    body: PolicyBody,
    primary: bool,
}

impl std::fmt::Debug for NewPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPolicy(<redacted>)")
    }
}

/// Earliest date of birth a subscriber may have.
const FIRST_BIRTHDAY: Date = time::macros::date!(1900 - 01 - 01);

/// Checks a policy as typed: a payer; a member number of letters, digits,
/// spaces and hyphens, at most [`MEMBER_ID_MAX`] long (the group number
/// likewise, optional); a subscriber other than the patient needs their
/// name and a date of birth in the past; the effective dates are optional,
/// the end not before the start.
pub fn check(form: &InsuranceForm, today: Date) -> Result<NewPolicy, AppError> {
    let mut errors = FieldErrors::new();
    let payer = form.payer.trim();
    if payer.is_empty() {
        errors.add("payer", "Enter the insurer or plan's name.");
    } else if payer.chars().count() > LINE_MAX {
        errors.add("payer", format!("At most {LINE_MAX} characters."));
    }
    let number = |errors: &mut FieldErrors, field: &str, typed: &str, required: bool| {
        let typed = typed.trim();
        let shaped = typed.chars().count() <= MEMBER_ID_MAX
            && typed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-'));
        if typed.is_empty() && required {
            errors.add(field, "Enter the number on the insurance card.");
        } else if !shaped {
            errors.add(
                field,
                format!("Up to {MEMBER_ID_MAX} letters, digits, spaces and hyphens."),
            );
        }
        (!typed.is_empty() && shaped).then(|| typed.to_uppercase())
    };
    let member_id = number(&mut errors, "member_id", &form.member_id, true);
    let group_number = number(&mut errors, "group_number", &form.group_number, false);
    let subscriber = match form.subscriber.as_str() {
        "" | "self" => None,
        "other" => {
            let name = form.subscriber_name.trim();
            if name.is_empty() || name.chars().count() > LINE_MAX {
                errors.add("subscriber_name", "Enter the subscriber's full name.");
            }
            let born = check_day(
                &mut errors,
                "subscriber_date_of_birth",
                &form.subscriber_date_of_birth,
                "birth",
                FIRST_BIRTHDAY,
                today,
            );
            born.map(|born| (name.to_owned(), born))
        }
        _ => {
            errors.add("subscriber", "Choose who holds the policy.");
            None
        }
    };
    let latest = today.replace_year(today.year() + 5).unwrap_or(today);
    let mut optional_day = |field: &str, typed: &str| match typed.trim() {
        "" => None,
        typed => check_day(
            &mut errors,
            field,
            typed,
            "effective",
            FIRST_BIRTHDAY,
            latest,
        ),
    };
    let effective_from = optional_day("effective_from", &form.effective_from);
    let effective_to = optional_day("effective_to", &form.effective_to);
    if let (Some(from), Some(to)) = (effective_from, effective_to)
        && to < from
    {
        errors.add("effective_to", "The policy cannot end before it starts.");
    }
    errors.into_result()?;
    Ok(NewPolicy {
        body: PolicyBody {
            payer: payer.to_owned(),
            member_id: member_id.ok_or(AppError::Internal)?,
            group_number,
            subscriber,
            effective_from,
            effective_to,
        },
        primary: form.primary.is_some(),
    })
}

/// Records `policy` (as row `id`) on the patient `access` is for. The
/// first policy in use is primary whatever was asked; a new primary takes
/// over from the old one. Call it in the transaction `access` was recorded
/// in.
pub async fn add(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
    id: Uuid,
    recorded_by: Uuid,
    policy: &NewPolicy,
) -> Result<(), AppError> {
    let in_use: i64 = insurance_policies::table
        .filter(insurance_policies::patient_id.eq(access.patient_id()))
        .filter(insurance_policies::ended_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    let primary = policy.primary || in_use == 0;
    if primary {
        clear_primary(conn, access).await?;
    }
    let body = sealing::seal(
        conn,
        vault,
        access,
        columns::INSURANCE_BODY,
        id,
        &policy.body,
    )
    .await?;
    diesel::insert_into(insurance_policies::table)
        .values((
            insurance_policies::id.eq(id),
            insurance_policies::organization_id.eq(access.organization_id()),
            insurance_policies::patient_id.eq(access.patient_id()),
            insurance_policies::body_sealed.eq(body),
            insurance_policies::is_primary.eq(primary),
            insurance_policies::recorded_by.eq(recorded_by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn clear_primary(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
) -> Result<(), AppError> {
    diesel::update(insurance_policies::table)
        .filter(insurance_policies::patient_id.eq(access.patient_id()))
        .filter(insurance_policies::is_primary.eq(true))
        .set(insurance_policies::is_primary.eq(false))
        .execute(conn)
        .await?;
    Ok(())
}

/// What may be done to a policy on the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It becomes the primary policy.
    MakePrimary,
    /// It is no longer in use (kept, listed as ended).
    End,
}

/// Applies `change` to policy `policy_id` of the patient `access` is for,
/// by `by`; a policy not theirs, or already ended, is not found.
pub async fn change(
    conn: &mut AsyncPgConnection,
    access: &PatientAccess,
    policy_id: Uuid,
    by: Uuid,
    change: Change,
) -> Result<(), AppError> {
    // The statement itself names the patient and "in use": a policy of
    // someone else's, or one already ended, matches nothing.
    let row = insurance_policies::table
        .filter(insurance_policies::id.eq(policy_id))
        .filter(insurance_policies::patient_id.eq(access.patient_id()))
        .filter(insurance_policies::organization_id.eq(access.organization_id()))
        .filter(insurance_policies::ended_at.is_null());
    let changed = match change {
        Change::MakePrimary => {
            clear_primary(conn, access).await?;
            diesel::update(row)
                .set(insurance_policies::is_primary.eq(true))
                .execute(conn)
                .await?
        }
        Change::End => {
            diesel::update(row)
                .set((
                    insurance_policies::is_primary.eq(false),
                    insurance_policies::ended_at.eq(diesel::dsl::now),
                    insurance_policies::ended_by.eq(by),
                ))
                .execute(conn)
                .await?
        }
    };
    // Not found undoes the whole transaction, a cleared primary included.
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// One stored row, not opened.
#[derive(Queryable, Selectable)]
#[diesel(table_name = insurance_policies)]
struct Stored {
    id: Uuid,
    body_sealed: Vec<u8>,
    is_primary: bool,
    ended_at: Option<time::OffsetDateTime>,
}

/// Every policy of the patient `access` is for, opened: the primary
/// first, then the others in use, then the ended ones, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    access: &PatientAccess,
) -> Result<Vec<InsurancePolicy>, ReadError> {
    let rows: Vec<(Stored, String)> = insurance_policies::table
        .inner_join(users::table.on(users::id.eq(insurance_policies::recorded_by)))
        .filter(insurance_policies::patient_id.eq(access.patient_id()))
        .filter(insurance_policies::organization_id.eq(access.organization_id()))
        .order((
            insurance_policies::is_primary.desc(),
            insurance_policies::ended_at.is_null().desc(),
            insurance_policies::created_at.desc(),
        ))
        .select((Stored::as_select(), staff_name()))
        .load(conn)
        .await
        .map_err(AppError::from)?;
    let mut policies = Vec::with_capacity(rows.len());
    for (stored, recorded_by) in rows {
        let body: Phi<PolicyBody> = sealing::open(
            conn,
            vault,
            access,
            columns::INSURANCE_BODY,
            stored.id,
            stored.body_sealed,
        )
        .await?;
        let body = body.expose();
        policies.push(InsurancePolicy {
            id: stored.id,
            payer: body.payer.clone(),
            member_id: body.member_id.clone(),
            group_number: body.group_number.clone(),
            subscriber: match &body.subscriber {
                None => Subscriber::Patient,
                Some((name, born)) => Subscriber::Other {
                    name: name.clone(),
                    date_of_birth: day(*born),
                },
            },
            effective_from: body.effective_from.map(day),
            effective_to: body.effective_to.map(day),
            primary: stored.is_primary,
            in_use: stored.ended_at.is_none(),
            recorded_by,
        });
    }
    Ok(policies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 06);

    fn form(payer: &str, member_id: &str) -> InsuranceForm {
        InsuranceForm {
            payer: payer.into(),
            member_id: member_id.into(),
            ..InsuranceForm::default()
        }
    }

    #[test]
    fn a_policy_needs_a_payer_and_a_sane_member_number() {
        let policy = check(&form("Example Health Plan", " abc-123 456 "), TODAY).expect("valid");
        assert_eq!(policy.body.member_id, "ABC-123 456");
        assert!(policy.body.subscriber.is_none() && !policy.primary);
        let error = check(&form("", ""), TODAY).expect_err("refused");
        assert!(error.field("payer").is_some());
        assert!(error.field("member_id").is_some_and(|m| m.contains("card")));
        let long = "9".repeat(MEMBER_ID_MAX + 1);
        let error = check(&form("Plan", &long), TODAY).expect_err("too long");
        assert!(
            error
                .field("member_id")
                .is_some_and(|m| m.contains("Up to"))
        );
        let error = check(&form("Plan", "12;DROP"), TODAY).expect_err("odd characters");
        assert!(error.field("member_id").is_some());
    }

    #[test]
    fn another_subscriber_needs_a_name_and_a_birth_date_in_the_past() {
        let mut typed = form("Plan", "M1");
        typed.subscriber = "other".into();
        typed.subscriber_date_of_birth = "2027-01-01".into();
        let error = check(&typed, TODAY).expect_err("refused");
        assert!(error.field("subscriber_name").is_some());
        assert!(
            error
                .field("subscriber_date_of_birth")
                .is_some_and(|m| m.contains("after"))
        );
        typed.subscriber_name = "Pat Example".into();
        typed.subscriber_date_of_birth = "1970-05-01".into();
        let policy = check(&typed, TODAY).expect("valid");
        assert_eq!(
            policy.body.subscriber,
            Some(("Pat Example".to_owned(), date!(1970 - 05 - 01)))
        );
        typed.subscriber = "neighbour".into();
        assert!(
            check(&typed, TODAY)
                .expect_err("unknown")
                .field("subscriber")
                .is_some()
        );
    }

    #[test]
    fn effective_dates_are_optional_and_in_order() {
        let mut typed = form("Plan", "M1");
        typed.effective_from = "2026-01-01".into();
        typed.effective_to = "2025-12-31".into();
        let error = check(&typed, TODAY).expect_err("refused");
        assert!(
            error
                .field("effective_to")
                .is_some_and(|m| m.contains("before it starts"))
        );
        typed.effective_to = "2026-12-31".into();
        typed.primary = Some("yes".into());
        let policy = check(&typed, TODAY).expect("valid");
        assert!(policy.primary);
        assert_eq!(policy.body.effective_to, Some(date!(2026 - 12 - 31)));
    }
}
