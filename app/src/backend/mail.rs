//! Security notices by email, when SMTP is configured
//! (`CAIRN_SMTP_URL`, `CAIRN_MAIL_FROM`).
//!
//! A background task (see the server's `serve`) sends every notice event
//! not yet emailed, so a request never waits on a mail server and a notice
//! survives an SMTP outage or a restart. The messages name the event, the
//! time and where to act, never a name, a diagnosis or any other health
//! information.

use super::{
    db::schema::{security_events, users},
    identity::account_identity,
    vault::Vault,
};
use crate::{error::AppError, model::SecurityEventKind};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use std::{fmt, sync::Arc};
use time::OffsetDateTime;
use uuid::Uuid;

/// Notices older than this are not emailed any more (stale news).
const FRESH_FOR: time::Duration = time::Duration::days(1);
/// Notices sent per pass.
const BATCH: i64 = 50;

/// Sends notices through one SMTP relay. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    public_url: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// `smtp_url` as lettre reads it (`smtps://user:pass@host`,
    /// `smtp://host:587?tls=required`, ...); `from` a mailbox.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| "not a valid SMTP URL".to_owned())?
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| "not a valid mailbox".to_owned())?;
        Ok(Self {
            transport: Arc::new(transport),
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The message for one notice.
    pub fn notice(
        &self,
        to: Mailbox,
        kind: SecurityEventKind,
        at: OffsetDateTime,
    ) -> Result<Message, String> {
        let when = at
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let body = format!(
            "Cairn security notice\n\n{what} on your account, {when}.\n\n\
             If this was you, there is nothing to do.\n\
             If it was not, sign in at {url}/security, change your password and choose \"Sign out everywhere\".\n\n\
             This message was sent because your account's security changed. It contains no health information.\n",
            what = kind.describe(),
            url = self.public_url,
        );
        self.plain(
            to,
            format!("Cairn security notice: {}", kind.describe()),
            body,
        )
    }

    /// A plain-text message from Cairn to `to`.
    fn plain(&self, to: Mailbox, subject: String, body: String) -> Result<Message, String> {
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|error| error.to_string())
    }

    /// Tells a clinician that a questionnaire waits for their review: no
    /// name, no answer, no score; only where to look.
    pub async fn review_notice(&self, to: &str) -> Result<(), String> {
        let body = format!(
            "A questionnaire needs your review in Cairn.\n\n\
             Sign in at {url}/home to see it.\n\n\
             This message contains no health information.\n",
            url = self.public_url,
        );
        let subject = "A questionnaire needs your review in Cairn".to_owned();
        self.send_plain(to, subject, body).await
    }

    /// Tells a practice's administrator of a new alert: its kind and when
    /// it began, and where to review it; never who, which chart or why.
    pub async fn alert_notice(
        &self,
        to: &str,
        kind: crate::model::audit::AlertKind,
        at: OffsetDateTime,
    ) -> Result<(), String> {
        let when = at
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let body = format!(
            "Cairn alert: {what}\n\n\
             A new alert was raised in your practice, beginning {when}.\n\
             Review it at {url}/admin/audit (who and what are shown there, and your reading is recorded).\n\n\
             You receive this because you administer the practice in Cairn. It contains no health information.\n",
            what = kind.label(),
            url = self.public_url,
        );
        self.send_plain(to, format!("Cairn alert: {}", kind.label()), body)
            .await
    }

    /// Sends a plain-text message to the address `to`.
    async fn send_plain(&self, to: &str, subject: String, body: String) -> Result<(), String> {
        let to = to.parse::<Mailbox>().map_err(|error| error.to_string())?;
        let message = self.plain(to, subject, body)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| error.to_string())
    }

    /// One pass: emails every fresh notice not yet emailed; returns how many
    /// were sent. A notice whose message fails stays pending for the next
    /// pass. A patient's address is sealed: opened here, for the message to
    /// them alone.
    pub async fn send_pending(
        &self,
        conn: &mut AsyncPgConnection,
        vault: &Vault,
    ) -> Result<usize, AppError> {
        let pending: Vec<(
            Uuid,
            SecurityEventKind,
            OffsetDateTime,
            account_identity::Stored,
        )> = security_events::table
            .inner_join(users::table)
            .filter(security_events::emailed_at.is_null())
            .filter(security_events::kind.ne_all(SecurityEventKind::ROUTINE))
            .filter(security_events::created_at.gt(OffsetDateTime::now_utc() - FRESH_FOR))
            .order(security_events::created_at)
            .limit(BATCH)
            .select((
                security_events::id,
                security_events::kind,
                security_events::created_at,
                account_identity::Stored::as_select(),
            ))
            .load(conn)
            .await?;
        let mut sent = 0;
        for (id, kind, at, stored) in pending {
            let email = account_identity::open(conn, vault, &stored).await?.email;
            let message = email
                .parse::<Mailbox>()
                .map_err(|error| error.to_string())
                .and_then(|to| self.notice(to, kind, at));
            let result = match message {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error),
            };
            match result {
                Ok(()) => {
                    diesel::update(security_events::table.find(id))
                        .set(security_events::emailed_at.eq(diesel::dsl::now))
                        .execute(conn)
                        .await?;
                    sent += 1;
                }
                Err(error) => {
                    tracing::warn!(event.id = %id, %error, "could not email a security notice; will retry");
                    break;
                }
            }
        }
        Ok(sent)
    }
}
