//! What a practice's administrators set for the whole practice: its time
//! zone, how it runs questionnaires (the crisis resources a patient
//! sees, whether patients see their scores), and how long it keeps
//! records. Each change is recorded in the trail with what it
//! replaced, in the same transaction as the change.

use crate::{
    backend::{
        audit::{self, Actor, Details, Event, Origin},
        client::ClientInfo,
        dates::Zone,
        identity::authz::Admin,
        organizations::{PracticeZones, ZoneError},
    },
    error::{AppError, FieldErrors},
    model::audit::{AuditAction, AuditOutcome},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

/// The event that records a change of the practice's settings (its
/// consent forms included).
pub fn changed(admin: Admin, client: &ClientInfo, details: Details) -> Event {
    Event::new(
        AuditAction::PracticeChanged,
        AuditOutcome::Allowed,
        Actor::from(admin),
        Origin::from(client),
    )
    .details(details)
}

/// Sets the practice's zone to `name` (recorded) and answers it; a name
/// that is not a zone is named next to the field and changes nothing.
/// `zones` uses it once it is committed.
pub async fn change_time_zone(
    conn: &mut AsyncPgConnection,
    zones: &PracticeZones,
    admin: Admin,
    name: &str,
    client: &ClientInfo,
) -> Result<Zone, AppError> {
    let was = zones.of(conn, admin.organization_id).await?;
    let zone = conn
        .transaction::<_, AppError, _>(async |conn| {
            let zone = match PracticeZones::set(conn, admin.organization_id, name).await {
                Ok(zone) => zone,
                Err(ZoneError::Unknown) => {
                    let mut errors = FieldErrors::new();
                    errors.add("time_zone", "Choose a time zone from the list.");
                    return Err(AppError::Invalid(errors));
                }
                Err(ZoneError::Database(error)) => return Err(error.into()),
            };
            let details = Details::new()
                .with("time_zone", zone.clone())
                .with("was", was);
            audit::record(conn, changed(admin, client, details)).await?;
            Ok(zone)
        })
        .await?;
    zones.remember(admin.organization_id, zone.clone());
    Ok(zone)
}

/// What patients are shown when they answer a safety item positively,
/// until the practice writes its own: emergency numbers and the US crisis
/// line (the practice adds its own on-call number).
pub const DEFAULT_CRISIS_RESOURCES: &str = "If you are in danger now, call your local emergency number (911 in the US and Canada, 999 in the UK, 112 in Europe).\nIn the US, call or text 988, the Suicide & Crisis Lifeline, at any time of day or night.\nYou can also call the practice and ask for the clinician on call.";

/// The most characters the crisis resources may have.
pub const CRISIS_RESOURCES_MAX: usize = 2000;

/// How the practice runs questionnaires: what a patient sees when their
/// safety item is positive, and whether patients see their own scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Questionnaires {
    pub crisis_resources: String,
    pub patients_see_scores: bool,
}

/// The questionnaire settings of practice `organization_id`.
pub async fn questionnaires(
    conn: &mut AsyncPgConnection,
    organization_id: uuid::Uuid,
) -> Result<Questionnaires, AppError> {
    Ok(all(conn, organization_id).await?.questionnaires)
}

/// Everything administrators set for the practice but its zone (which
/// [`PracticeZones`] keeps), read at once.
pub struct Settings {
    pub name: String,
    pub questionnaires: Questionnaires,
    pub retention: Retention,
}

/// The settings of practice `organization_id`, in one read.
pub async fn all(
    conn: &mut AsyncPgConnection,
    organization_id: uuid::Uuid,
) -> Result<Settings, AppError> {
    use crate::backend::db::schema::organizations;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let (name, crisis, shows, years, age_of_majority): (String, Option<String>, bool, i32, i32) =
        organizations::table
            .find(organization_id)
            .select((
                organizations::name,
                organizations::crisis_resources,
                organizations::patients_see_scores,
                organizations::retention_years,
                organizations::age_of_majority,
            ))
            .first(conn)
            .await?;
    Ok(Settings {
        name,
        questionnaires: Questionnaires {
            crisis_resources: crisis.unwrap_or_else(|| DEFAULT_CRISIS_RESOURCES.to_owned()),
            patients_see_scores: shows,
        },
        retention: Retention {
            years,
            age_of_majority,
        },
    })
}

/// Checks the crisis resources as typed: required, at most
/// [`CRISIS_RESOURCES_MAX`] characters.
pub fn check_crisis_resources(typed: &str) -> Result<String, AppError> {
    let text = typed.trim();
    let mut errors = FieldErrors::new();
    if text.is_empty() {
        errors.add(
            "crisis_resources",
            "Write where a patient in crisis can get help at once.",
        );
    } else if text.chars().count() > CRISIS_RESOURCES_MAX {
        errors.add(
            "crisis_resources",
            format!("At most {CRISIS_RESOURCES_MAX} characters."),
        );
    }
    errors.into_result()?;
    Ok(text.to_owned())
}

/// Sets the practice's questionnaire settings (recorded, saying which
/// changed; the text itself is the practice's public advice, kept in the
/// settings, not the trail).
pub async fn change_questionnaires(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    new: &Questionnaires,
    client: &ClientInfo,
) -> Result<(), AppError> {
    use crate::backend::db::schema::organizations;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let was = questionnaires(conn, admin.organization_id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        diesel::update(organizations::table.find(admin.organization_id))
            .set((
                organizations::crisis_resources.eq(&new.crisis_resources),
                organizations::patients_see_scores.eq(new.patients_see_scores),
            ))
            .execute(conn)
            .await?;
        let crisis = if was.crisis_resources == new.crisis_resources {
            "kept"
        } else {
            "changed"
        };
        let details = Details::new()
            .with("crisis_resources", crisis)
            .with("patients_see_scores", new.patients_see_scores);
        audit::record(conn, changed(admin, client, details)).await?;
        Ok(())
    })
    .await
}

/// How long the practice keeps records: `years` after the last activity
/// in a record, counted for a minor from when they reach
/// `age_of_majority` if that is later. Seven years and eighteen unless the
/// practice says otherwise (state laws differ; HIPAA itself asks six years
/// of its own documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub years: i32,
    pub age_of_majority: i32,
}

/// The periods a practice may choose, in years.
pub const RETENTION_YEARS: std::ops::RangeInclusive<i32> = 1..=100;
/// The ages of majority a practice may choose.
pub const AGES_OF_MAJORITY: std::ops::RangeInclusive<i32> = 14..=25;

/// The retention of practice `organization_id`.
pub async fn retention(
    conn: &mut AsyncPgConnection,
    organization_id: uuid::Uuid,
) -> Result<Retention, AppError> {
    Ok(all(conn, organization_id).await?.retention)
}

/// Checks the retention as typed: whole numbers within
/// [`RETENTION_YEARS`] and [`AGES_OF_MAJORITY`], each refused beside its
/// field.
pub fn check_retention(years: &str, age_of_majority: &str) -> Result<Retention, AppError> {
    let mut errors = FieldErrors::new();
    let within = |typed: &str, range: &std::ops::RangeInclusive<i32>| {
        typed
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| range.contains(n))
    };
    let years = within(years, &RETENTION_YEARS);
    if years.is_none() {
        errors.add(
            "retention_years",
            format!(
                "Write a whole number of years from {} to {}.",
                RETENTION_YEARS.start(),
                RETENTION_YEARS.end()
            ),
        );
    }
    let age = within(age_of_majority, &AGES_OF_MAJORITY);
    if age.is_none() {
        errors.add(
            "age_of_majority",
            format!(
                "Write an age from {} to {}.",
                AGES_OF_MAJORITY.start(),
                AGES_OF_MAJORITY.end()
            ),
        );
    }
    let (Some(years), Some(age_of_majority)) = (years, age) else {
        return Err(AppError::Invalid(errors));
    };
    Ok(Retention {
        years,
        age_of_majority,
    })
}

/// Sets the practice's retention (recorded, with what it replaced).
pub async fn change_retention(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    new: Retention,
    client: &ClientInfo,
) -> Result<(), AppError> {
    use crate::backend::db::schema::organizations;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let was = retention(conn, admin.organization_id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        diesel::update(organizations::table.find(admin.organization_id))
            .set((
                organizations::retention_years.eq(new.years),
                organizations::age_of_majority.eq(new.age_of_majority),
            ))
            .execute(conn)
            .await?;
        let details = Details::new()
            .with("retention_years", i64::from(new.years))
            .with("was_retention_years", i64::from(was.years))
            .with("age_of_majority", i64::from(new.age_of_majority))
            .with("was_age_of_majority", i64::from(was.age_of_majority));
        audit::record(conn, changed(admin, client, details)).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_takes_whole_numbers_within_their_ranges() {
        assert_eq!(
            check_retention(" 10 ", "21").ok(),
            Some(Retention {
                years: 10,
                age_of_majority: 21
            })
        );
        for (years, age, wrong) in [
            ("0", "18", "retention_years"),
            ("101", "18", "retention_years"),
            ("seven", "18", "retention_years"),
            ("7.5", "18", "retention_years"),
            ("7", "13", "age_of_majority"),
            ("7", "", "age_of_majority"),
        ] {
            match check_retention(years, age) {
                Err(AppError::Invalid(errors)) => {
                    assert!(errors.get(wrong).is_some(), "{years} {age}");
                }
                other => panic!("{years} {age}: {other:?}"),
            }
        }
    }
}
