//! The access log's overview: counts by kind and by hour or day, so a
//! quiet hour shows as zero.

use super::practice_people;
use crate::{
    backend::{db::schema::audit_events, identity::authz::Admin},
    error::AppError,
    model::audit::{AuditAction, AuditOutcome, AuditOverview},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime, macros::format_description};
use uuid::Uuid;

/// The overview of `period` ("24h", "7d" or "30d"; anything else is 7d).
pub async fn overview(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    admin: Admin,
    period: &str,
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
    // Buckets: the truncated time as text, so the labels need no parsing.
    let bucket_expr = format!(
        "to_char(date_trunc('{bucket}', occurred_at AT TIME ZONE 'UTC'), '{}')",
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
    let series = buckets(since, span, bucket == "hour")
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

/// Every bucket label from `since` to now, so quiet hours show as zero.
fn buckets(since: OffsetDateTime, span: Duration, hourly: bool) -> Vec<String> {
    let step = if hourly {
        Duration::HOUR
    } else {
        Duration::DAY
    };
    let mut at = since;
    let end = since + span;
    let mut labels = Vec::new();
    while at <= end {
        let label = if hourly {
            at.format(format_description!("[year]-[month]-[day] [hour]:00"))
        } else {
            at.format(format_description!("[year]-[month]-[day]"))
        };
        labels.push(label.unwrap_or_default());
        at += step;
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
        let labels = buckets(since, Duration::HOUR * 24, true);
        assert_eq!(labels.len(), 25);
        assert_eq!(labels[0], "2026-11-23 10:00");
        assert_eq!(labels[24], "2026-11-24 10:00");
        let days = buckets(since, Duration::DAY * 7, false);
        assert_eq!(days.len(), 8);
    }
}
