//! The access log's overview: counts by kind and by hour or day, so a
//! quiet hour shows as zero.

use super::practice_people;
use crate::{
    backend::{dates::Zone, db::schema::audit_events, identity::authz::Admin},
    error::AppError,
    model::audit::{AuditAction, AuditOutcome, AuditOverview},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The overview of `period` ("24h", "7d" or "30d"; anything else is 7d).
pub async fn overview(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    admin: Admin,
    period: &str,
    zone: &Zone,
) -> Result<AuditOverview, AppError> {
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::{BigInt, Text};
    let (period, span, bucket) = match period {
        "24h" => ("24h", Duration::HOUR * 24, "hour"),
        "30d" => ("30d", Duration::DAY * 30, "day"),
        _ => ("7d", Duration::DAY * 7, "day"),
    };
    let since = OffsetDateTime::now_utc() - span;
    let in_period = audit_events::organization_id
        .eq(admin.organization_id)
        .and(audit_events::occurred_at.ge(since));
    let counts: Vec<(AuditAction, AuditOutcome, i64)> = audit_events::table
        .filter(in_period)
        .group_by((audit_events::action, audit_events::outcome))
        .select((audit_events::action, audit_events::outcome, count_star()))
        .load(conn)
        .await?;
    let count = |wanted: &[AuditAction], outcome: Option<AuditOutcome>| -> i64 {
        counts
            .iter()
            .filter(|(a, o, _)| wanted.contains(a) && outcome.is_none_or(|x| x == *o))
            .map(|(_, _, n)| n)
            .sum()
    };
    // Buckets: the truncated time in the practice's zone, as text, so the
    // labels need no parsing. The zone's name is one the zone database
    // knows, checked again to hold only a name's characters before it is
    // written into the statement.
    let bucket_expr = format!(
        "to_char(date_trunc('{bucket}', occurred_at AT TIME ZONE '{}'), '{}')",
        zone.sql_name(),
        if bucket == "hour" {
            "YYYY-MM-DD HH24:00"
        } else {
            "YYYY-MM-DD"
        }
    );
    let denied_expr = "count(*) FILTER (WHERE outcome <> 'allowed')";
    let allowed_expr = "count(*) FILTER (WHERE outcome = 'allowed')";
    let per_bucket: Vec<(String, i64, i64)> = audit_events::table
        .filter(in_period)
        .group_by(sql::<Text>(&bucket_expr))
        .select((
            sql::<Text>(&bucket_expr),
            sql::<BigInt>(allowed_expr),
            sql::<BigInt>(denied_expr),
        ))
        .load(conn)
        .await?;
    let per_bucket: BTreeMap<String, (i64, i64)> = per_bucket
        .into_iter()
        .map(|(label, allowed, denied)| (label, (allowed, denied)))
        .collect();
    let series = buckets(since, span, bucket == "hour", zone)
        .into_iter()
        .map(|label| {
            let (allowed, denied) = per_bucket.get(&label).copied().unwrap_or_default();
            (label, allowed, denied)
        })
        .collect();
    let viewers: Vec<(Option<Uuid>, i64)> = audit_events::table
        .filter(in_period)
        .filter(audit_events::action.eq(AuditAction::RecordViewed))
        .group_by(audit_events::actor_id)
        .select((audit_events::actor_id, count_star()))
        .order(count_star().desc())
        .limit(8)
        .load(conn)
        .await?;
    let people = practice_people(conn, vault, admin.organization_id).await?;
    let top_viewers = viewers
        .into_iter()
        .map(|(id, views)| {
            let name = id
                .and_then(|id| people.get(&id))
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "Unknown".to_owned());
            (name, views)
        })
        .collect();
    Ok(AuditOverview {
        period: period.to_owned(),
        sign_ins: count(&[AuditAction::SignInSucceeded], None),
        failed_sign_ins: count(&[AuditAction::SignInFailed], None),
        lockouts: count(&[AuditAction::AccountLockedOut], None),
        record_views: count(&[AuditAction::RecordViewed], None),
        denied: count(AuditAction::ALL, Some(AuditOutcome::Denied)),
        emergency: count(&[AuditAction::EmergencyAccess], None),
        series,
        top_viewers,
    })
}

/// Every bucket label from `since` to now, in the practice's zone, so
/// quiet hours show as zero. Steps an hour at a time even for days: a day
/// of 23 or 25 hours is still one day.
fn buckets(since: OffsetDateTime, span: Duration, hourly: bool, zone: &Zone) -> Vec<String> {
    let format = if hourly { "%Y-%m-%d %H:00" } else { "%Y-%m-%d" };
    let mut at = since;
    let end = since + span;
    let mut labels = Vec::new();
    while at <= end {
        labels.push(zone.format(at, format));
        at += Duration::HOUR;
    }
    labels.dedup();
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hour_of_the_day_has_a_bucket() {
        let since = time::macros::datetime!(2026-11-23 10:30 UTC);
        let labels = buckets(since, Duration::HOUR * 24, true, &Zone::utc());
        assert_eq!(labels.len(), 25);
        assert_eq!(labels[0], "2026-11-23 10:00");
        assert_eq!(labels[24], "2026-11-24 10:00");
        let days = buckets(since, Duration::DAY * 7, false, &Zone::utc());
        assert_eq!(days.len(), 8);
    }

    #[test]
    fn buckets_are_the_practice_hours_and_days() {
        let chicago = Zone::named("America/Chicago").expect("a known zone");
        let since = time::macros::datetime!(2026-11-23 10:30 UTC);
        let labels = buckets(since, Duration::HOUR * 24, true, &chicago);
        assert_eq!(labels[0], "2026-11-23 04:00");
        // The week that ends summer time in Chicago (1 November 2026) still
        // has one bucket a day, none twice, none missing.
        let days = buckets(
            time::macros::datetime!(2026-10-29 12:00 UTC),
            Duration::DAY * 7,
            false,
            &chicago,
        );
        assert_eq!(
            days,
            [
                "2026-10-29",
                "2026-10-30",
                "2026-10-31",
                "2026-11-01",
                "2026-11-02",
                "2026-11-03",
                "2026-11-04",
                "2026-11-05"
            ]
        );
    }
}
