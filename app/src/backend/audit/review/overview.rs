//! The access log's overview: counts by kind and by hour or day, so a
//! quiet hour shows as zero.

use super::practice_people;
use crate::{
    backend::{audit::tally, dates::Zone, identity::authz::Admin},
    error::AppError,
    model::audit::{AuditAction, AuditOutcome, AuditOverview},
};
use diesel_async::AsyncPgConnection;
use std::collections::{BTreeMap, HashMap};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The overview of `period` ("24h", "7d" or "30d"; anything else is 7d),
/// from the counts kept by quarter hour (`audit::tally`): its first bucket
/// starts at the quarter hour the period begins in.
pub async fn overview(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    admin: Admin,
    period: &str,
    zone: &Zone,
) -> Result<AuditOverview, AppError> {
    let (period, span, hourly) = match period {
        "24h" => ("24h", Duration::HOUR * 24, true),
        "30d" => ("30d", Duration::DAY * 30, false),
        _ => ("7d", Duration::DAY * 7, false),
    };
    let since = OffsetDateTime::now_utc() - span;
    let rows = tally::since(conn, admin.organization_id, since, hourly, zone).await?;
    let count = |wanted: &[AuditAction], outcome: Option<AuditOutcome>| -> i64 {
        rows.iter()
            .filter(|r| wanted.contains(&r.action) && outcome.is_none_or(|x| x == r.outcome))
            .map(|r| r.events)
            .sum()
    };
    let mut per_bucket: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut views: HashMap<Option<Uuid>, i64> = HashMap::new();
    for row in &rows {
        let (allowed, denied) = per_bucket.entry(row.label.as_str()).or_default();
        if row.outcome == AuditOutcome::Allowed {
            *allowed += row.events;
        } else {
            *denied += row.events;
        }
        if row.action == AuditAction::RecordViewed {
            *views.entry(row.actor_id).or_default() += row.events;
        }
    }
    let series = buckets(since, span, hourly, zone)
        .into_iter()
        .map(|label| {
            let (allowed, denied) = per_bucket.get(label.as_str()).copied().unwrap_or_default();
            (label, allowed, denied)
        })
        .collect();
    // The most views first; the same count in a stable order.
    let mut viewers: Vec<(Option<Uuid>, i64)> = views.into_iter().collect();
    viewers.sort_by_key(|(id, views)| (std::cmp::Reverse(*views), *id));
    viewers.truncate(TOP_VIEWERS);
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

/// The people with the most record views listed.
const TOP_VIEWERS: usize = 8;

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
