//! The access log's filter: the query's text checked field by field (each
//! bad value gets a message under its own name), ids resolved within the
//! practice.

use super::LONGEST_RANGE_DAYS;
use crate::{
    backend::{dates::Zone, db::schema::users, identity::authz::Admin},
    error::{AppError, FieldErrors},
    model::audit::{AuditAction, AuditOutcome, AuditQuery},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Date, OffsetDateTime, macros::format_description};
use uuid::Uuid;

/// A checked [`AuditQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub from: Option<OffsetDateTime>,
    /// Exclusive: the start of the day after the "to" date.
    pub until: Option<OffsetDateTime>,
    pub actor: Option<Uuid>,
    /// The patient, or the account acted on.
    pub subject: Option<Uuid>,
    pub action: Option<AuditAction>,
    pub outcome: Option<AuditOutcome>,
    pub ip: Option<String>,
    /// Older than this event.
    pub before: Option<i64>,
}

/// Checks the query's text; each bad value gets a message under its own
/// field name. Ids must name someone in the practice.
pub async fn filter(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    query: &AuditQuery,
    zone: &Zone,
) -> Result<Filter, AppError> {
    let mut errors = FieldErrors::new();
    let from = day(&mut errors, "from", &query.from);
    let to = day(&mut errors, "to", &query.to);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.add("to", "The end date is before the start date.");
        } else if (to - from).whole_days() > LONGEST_RANGE_DAYS {
            errors.add("to", "Choose a range of at most seven years.");
        }
    }
    let actor = person(conn, admin, &mut errors, "actor", &query.actor).await?;
    let subject = person(conn, admin, &mut errors, "patient", &query.patient).await?;
    let action = known(
        &mut errors,
        "action",
        &query.action,
        "Choose an action from the list.",
    );
    let outcome = known(
        &mut errors,
        "outcome",
        &query.outcome,
        "Choose an outcome from the list.",
    );
    let ip = match query.ip.trim() {
        "" => None,
        ip => match ip.parse::<std::net::IpAddr>() {
            Ok(ip) => Some(ip.to_string()),
            Err(_) => {
                errors.add(
                    "ip",
                    "Enter an IP address, like 203.0.113.7 or 2001:db8::1.",
                );
                None
            }
        },
    };
    let before = match query.before.trim() {
        "" => None,
        before => match before.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.add(
                    "before",
                    "This page link is not valid. Start again from the first page.",
                );
                None
            }
        },
    };
    errors.into_result()?;
    Ok(Filter {
        // The practice's days, from its first moment of `from` to the
        // first moment after `to`.
        from: from.map(|d| zone.start_of(d)),
        until: to.and_then(|d| d.next_day()).map(|d| zone.start_of(d)),
        actor,
        subject,
        action,
        outcome,
        ip,
        before,
    })
}

fn day(errors: &mut FieldErrors, field: &'static str, text: &str) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = Date::parse(text, format_description!("[year]-[month]-[day]"));
    match parsed {
        Ok(date) if (2000..=2200).contains(&date.year()) => Some(date),
        _ => {
            errors.add(field, "Enter a date as YYYY-MM-DD, like 2026-11-24.");
            None
        }
    }
}

fn known<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &'static str,
    text: &str,
    message: &'static str,
) -> Option<T> {
    match text.trim() {
        "" => None,
        text => text.parse().ok().or_else(|| {
            errors.add(field, message);
            None
        }),
    }
}

async fn person(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    errors: &mut FieldErrors,
    field: &'static str,
    text: &str,
) -> Result<Option<Uuid>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let Ok(id) = text.parse::<Uuid>() else {
        errors.add(field, "Choose a person from the list.");
        return Ok(None);
    };
    let found = users::table
        .filter(users::id.eq(id))
        .filter(users::organization_id.eq(admin.organization_id))
        .select(users::id)
        .first::<Uuid>(conn)
        .await
        .optional()?;
    if found.is_none() {
        errors.add(field, "No one with this id is in this practice.");
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_and_plausible() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            day(&mut errors, "from", " 2026-11-24 "),
            Some(time::macros::date!(2026 - 11 - 24))
        );
        assert_eq!(day(&mut errors, "from", ""), None);
        assert!(errors.get("from").is_none());
        for bad in ["2026-02-30", "24/11/2026", "9999-01-01", "yesterday"] {
            let mut errors = FieldErrors::new();
            assert_eq!(day(&mut errors, "from", bad), None, "{bad}");
            assert!(errors.get("from").is_some(), "{bad}");
        }
    }
}
