//! Security events: recorded where they happen (sign-in, password change,
//! lockout), shown to their owner as notices until dismissed, and listed on
//! the Security page. They carry no health information, only what a person
//! needs to recognise their own activity (device, address, time).

use crate::backend::{
    audit::{self, Actor, Event, Origin},
    client::ClientInfo,
    db::schema::{security_events, users},
};
use crate::{
    error::AppError,
    model::{
        SecurityEvent, SecurityEventKind,
        audit::{AuditAction, AuditOutcome},
        describe_device,
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// id, kind, device, ip, created_at.
type EventRow = (
    Uuid,
    SecurityEventKind,
    Option<String>,
    Option<String>,
    OffsetDateTime,
);

/// How many events the Security page lists.
const LISTED: i64 = 20;

/// Records `kind` for `user_id`, from `client`, who acted themselves; in
/// the audit trail too (in the caller's transaction, when it has one).
pub async fn record(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    kind: SecurityEventKind,
    client: &ClientInfo,
) -> Result<(), AppError> {
    record_by(conn, Actor::Account(user_id), user_id, kind, client).await
}

/// Records `kind` for `user_id`, done by `actor` (an administrator's reset).
pub async fn record_by(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    user_id: Uuid,
    kind: SecurityEventKind,
    client: &ClientInfo,
) -> Result<(), AppError> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::user_id.eq(user_id),
            security_events::kind.eq(kind),
            security_events::ip.eq(client.ip.map(|ip| ip.to_string())),
            security_events::device.eq(describe_device(client.user_agent.as_deref())),
        ))
        .execute(conn)
        .await?;
    if let Some((action, outcome)) = audited_as(kind) {
        audit::record(
            conn,
            Event::new(action, outcome, actor, Origin::from(client))
                .on("user", user_id)
                .about_user(user_id),
        )
        .await?;
    }
    Ok(())
}

/// How a security event reads in the audit trail (a new-device notice is
/// for its owner only: the sign-in it comes with is audited).
fn audited_as(kind: SecurityEventKind) -> Option<(AuditAction, AuditOutcome)> {
    use AuditOutcome::{Allowed, Denied};
    use SecurityEventKind as K;
    Some(match kind {
        K::SignedIn => (AuditAction::SignInSucceeded, Allowed),
        K::NewDevice => return None,
        K::PasswordChanged => (AuditAction::PasswordChanged, Allowed),
        K::LockedOut => (AuditAction::AccountLockedOut, Denied),
        K::MfaEnrolled => (AuditAction::MfaEnrolled, Allowed),
        K::MfaVerified => (AuditAction::MfaVerified, Allowed),
        K::MfaFailed => (AuditAction::MfaFailed, Denied),
        K::MfaReplayRefused => (AuditAction::MfaReplayRefused, Denied),
        K::RecoveryCodeUsed => (AuditAction::RecoveryCodeUsed, Allowed),
        K::RecoveryCodesRegenerated => (AuditAction::RecoveryCodesRegenerated, Allowed),
        K::MfaReset => (AuditAction::MfaReset, Allowed),
        K::MfaDisabled => (AuditAction::MfaDisabled, Allowed),
        K::PasskeyAdded => (AuditAction::PasskeyAdded, Allowed),
        K::PasskeyRemoved => (AuditAction::PasskeyRemoved, Allowed),
        K::PasskeyUsed => (AuditAction::PasskeyUsed, Allowed),
        K::PasskeyRefused => (AuditAction::PasskeyRefused, Denied),
    })
}

/// Records a sign-in by `actor` (the account `user_id`, whose practice and
/// role the caller already has), and a new-device notice when this address
/// and device have not signed in to the account before (not for the very
/// first sign-in: there is nothing to compare with). The account's last
/// sign-in is kept with it (People; unused accounts).
pub async fn record_sign_in(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let ip = client.ip.map(|ip| ip.to_string());
    let device = describe_device(client.user_agent.as_deref());
    let earlier = security_events::table
        .filter(security_events::user_id.eq(user_id))
        .filter(security_events::kind.eq(SecurityEventKind::SignedIn));
    let any: i64 = earlier.count().get_result(conn).await?;
    let same: i64 = earlier
        .filter(security_events::ip.is_not_distinct_from(&ip))
        .filter(security_events::device.eq(&device))
        .count()
        .get_result(conn)
        .await?;
    if any > 0 && same == 0 {
        record_by(conn, actor, user_id, SecurityEventKind::NewDevice, client).await?;
    }
    diesel::update(users::table.find(user_id))
        .set(users::last_signed_in_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    record_by(conn, actor, user_id, SecurityEventKind::SignedIn, client).await
}

/// The person's notices not yet dismissed, newest first.
pub async fn notices(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> QueryResult<Vec<SecurityEvent>> {
    load(
        conn,
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .filter(security_events::dismissed_at.is_null())
            .filter(security_events::kind.ne_all(SecurityEventKind::ROUTINE))
            .into_boxed(),
    )
    .await
}

/// The person's recent events, newest first.
pub async fn recent(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> QueryResult<Vec<SecurityEvent>> {
    load(
        conn,
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .into_boxed(),
    )
    .await
}

/// Dismisses every notice of the person.
pub async fn dismiss_all(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        security_events::table
            .filter(security_events::user_id.eq(user_id))
            .filter(security_events::dismissed_at.is_null()),
    )
    .set(security_events::dismissed_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

async fn load(
    conn: &mut AsyncPgConnection,
    query: security_events::BoxedQuery<'_, diesel::pg::Pg>,
) -> QueryResult<Vec<SecurityEvent>> {
    let rows: Vec<EventRow> = query
        .order(security_events::created_at.desc())
        .limit(LISTED)
        .select((
            security_events::id,
            security_events::kind,
            security_events::device,
            security_events::ip,
            security_events::created_at,
        ))
        .load(conn)
        .await?;
    let now = OffsetDateTime::now_utc();
    Ok(rows
        .into_iter()
        .map(|(id, kind, device, ip, at)| SecurityEvent {
            id,
            kind,
            device,
            ip,
            secs_ago: (now - at).whole_seconds().max(0),
        })
        .collect())
}
