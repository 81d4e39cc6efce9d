//! Delivering new alerts: the watcher queues one email for each active
//! administrator of the practice and one webhook call (for the channels
//! configured), in the pass that raises the alert; [`send_due`] sends what
//! is due. A failed attempt is tried again later, each wait twice the one
//! before (30 seconds up to an hour), until [`ATTEMPTS`] have failed; the
//! alert stays on the access review whatever happens to its messages.
//!
//! Sending claims a delivery first (its next attempt moved a lease ahead,
//! committed), so another pass or instance leaves it alone, and no
//! transaction stays open while a mail server or a receiver is slow.

use super::{Channels, Kept, webhook::Webhook};
use crate::{
    backend::{
        db::schema::{alert_deliveries, alert_episodes, users},
        identity::account_identity,
        mail::Mailer,
        vault::Vault,
    },
    error::AppError,
    model::{Role, UserStatus},
};
use diesel::{QueryableByName, prelude::*, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const EMAIL: &str = "email";
const WEBHOOK: &str = "webhook";
/// Attempts before a delivery is given up.
pub const ATTEMPTS: i32 = 12;
/// Deliveries claimed per pass.
const BATCH: i64 = 20;
/// How long a claimed delivery is left to its sender.
const LEASE_SECONDS: i32 = 120;

/// Queues the messages of the alert kept as `episode` in practice `org`.
pub(super) async fn enqueue(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    episode: Uuid,
    channels: Channels,
) -> Result<(), AppError> {
    let mut rows = Vec::new();
    if channels.email {
        let admins: Vec<Uuid> = users::table
            .filter(users::organization_id.eq(org))
            .filter(users::role.eq(Role::Admin))
            .filter(users::status.eq(UserStatus::Active))
            .select(users::id)
            .load(conn)
            .await?;
        rows.extend(admins.into_iter().map(|admin| (EMAIL, Some(admin))));
    }
    if channels.webhook {
        rows.push((WEBHOOK, None));
    }
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(channel, recipient)| {
            (
                alert_deliveries::episode_id.eq(episode),
                alert_deliveries::channel.eq(channel),
                alert_deliveries::recipient_id.eq(recipient),
            )
        })
        .collect();
    diesel::insert_into(alert_deliveries::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// How the alerts are sent, as configured.
#[derive(Debug, Clone, Copy)]
pub struct Senders<'a> {
    pub mailer: Option<&'a Mailer>,
    pub webhook: Option<&'a Webhook>,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    episode_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    channel: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    recipient_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Integer)]
    attempts: i32,
}

/// Sends the deliveries that are due; answers how many were delivered.
pub async fn send_due(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    senders: Senders<'_>,
) -> Result<usize, AppError> {
    let claimed: Vec<Claimed> = diesel::sql_query(
        "UPDATE alert_deliveries SET next_attempt_at = now() + make_interval(secs => $1) \
         WHERE id IN (SELECT id FROM alert_deliveries \
                      WHERE delivered_at IS NULL AND attempts < $2 AND next_attempt_at <= now() \
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING id, episode_id, channel, recipient_id, attempts",
    )
    .bind::<sql_types::Integer, _>(LEASE_SECONDS)
    .bind::<sql_types::Integer, _>(ATTEMPTS)
    .bind::<sql_types::BigInt, _>(BATCH)
    .load(conn)
    .await?;
    let mut delivered = 0;
    for delivery in claimed {
        let (org, alert): (Uuid, Kept) = alert_episodes::table
            .find(delivery.episode_id)
            .select((alert_episodes::organization_id, Kept::as_select()))
            .first(conn)
            .await?;
        let sent = match (delivery.channel.as_str(), delivery.recipient_id) {
            (EMAIL, Some(admin)) => match senders.mailer {
                Some(mailer) => email(conn, vault, mailer, admin, &alert).await?,
                None => Err("email is not configured".to_owned()),
            },
            (WEBHOOK, None) => match senders.webhook {
                Some(webhook) => webhook.send(alert.id, &webhook.body(&alert, org)).await,
                None => Err("no webhook is configured".to_owned()),
            },
            _ => Err("not a delivery Cairn makes".to_owned()),
        };
        delivered += usize::from(sent.is_ok());
        settle(conn, &delivery, sent).await?;
    }
    Ok(delivered)
}

/// Emails `admin` of `alert`; an error of the mail server's is the
/// delivery's, one of the database's is the pass's.
async fn email(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    mailer: &Mailer,
    admin: Uuid,
    alert: &Kept,
) -> Result<Result<(), String>, AppError> {
    let stored: account_identity::Stored = users::table
        .find(admin)
        .select(account_identity::Stored::as_select())
        .first(conn)
        .await?;
    let to = account_identity::open(conn, vault, &stored).await?.email;
    Ok(mailer.alert_notice(&to, alert.kind, alert.first_at).await)
}

/// Records how an attempt went: delivered, or when to try again.
async fn settle(
    conn: &mut AsyncPgConnection,
    delivery: &Claimed,
    sent: Result<(), String>,
) -> Result<(), AppError> {
    let attempts = delivery.attempts + 1;
    let now = OffsetDateTime::now_utc();
    let target = alert_deliveries::table.find(delivery.id);
    match sent {
        Ok(()) => {
            diesel::update(target)
                .set((
                    alert_deliveries::attempts.eq(attempts),
                    alert_deliveries::delivered_at.eq(Some(now)),
                    alert_deliveries::last_error.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
        }
        Err(why) => {
            let why: String = why.chars().take(200).collect();
            if attempts >= ATTEMPTS {
                tracing::error!(delivery.id = %delivery.id, channel = %delivery.channel, %why,
                    "gave up delivering an alert; it is still on the access review");
            } else {
                tracing::warn!(delivery.id = %delivery.id, channel = %delivery.channel, %why,
                    "could not deliver an alert; will retry");
            }
            diesel::update(target)
                .set((
                    alert_deliveries::attempts.eq(attempts),
                    alert_deliveries::next_attempt_at.eq(now + backoff(attempts)),
                    alert_deliveries::last_error.eq(Some(why)),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// The wait after `failed` failed attempts: 30 seconds, doubling, at most
/// an hour.
pub fn backoff(failed: i32) -> Duration {
    let doublings = u32::try_from(failed.saturating_sub(1)).unwrap_or(0).min(7);
    (Duration::seconds(30) * 2_i32.pow(doublings)).min(Duration::HOUR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_thirty_seconds_to_an_hour() {
        let waits: Vec<i64> = (1..=ATTEMPTS).map(|n| backoff(n).whole_seconds()).collect();
        assert_eq!(&waits[..8], &[30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert!(waits[8..].iter().all(|w| *w == 3600));
    }
}
