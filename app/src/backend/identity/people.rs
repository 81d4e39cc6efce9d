//! The people of a practice, as administrators manage them: the list, and
//! deactivate / reactivate / unlock / end sessions. Each takes an
//! [`Admin`] proof, and touches only that administrator's practice.

use crate::backend::{
    audit::{self, Event, Origin},
    client::ClientInfo,
    db::schema::{invitations, mfa_factors, passkeys, patients, sessions, users},
    identity::account_identity,
    identity::accounts,
    identity::authz::{Admin, Inviter},
    identity::session::mine,
    identity::unused::{UnusedPolicy, Use},
    vault::Vault,
};
use crate::{
    error::AppError,
    model::{
        InvitationAge, PersonRow, Role, UserStatus,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

/// identity, how it is used (role and status among it), locked until,
/// has an authenticator, their record when a patient has one, live
/// sessions, their pending invitation's (sent, expires).
type PersonColumns = (
    account_identity::Stored,
    Use,
    Option<OffsetDateTime>,
    bool,
    Option<Uuid>,
    Option<i64>,
    (Option<OffsetDateTime>, Option<OffsetDateTime>),
);

/// Everyone in the administrator's practice, or, for a therapist, the
/// patients they invited, by role and name. Patients' names and emails are
/// opened for it, so the listing is recorded (`account.listed`, one event
/// per patient listed, about their record when they have one) in the
/// transaction that reads them: no record, no list. Staff accounts unused
/// under `unused` are marked.
pub async fn list(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    viewer: Inviter,
    unused: UnusedPolicy,
    client: &ClientInfo,
) -> Result<Vec<PersonRow>, AppError> {
    let record = patients::table
        .filter(patients::user_id.eq(users::id.nullable()))
        .filter(patients::deleted_at.is_null())
        .select(patients::id.nullable())
        .single_value();
    let live_sessions = sessions::table
        .filter(sessions::user_id.eq(users::id.nullable()))
        .filter(sessions::expires_at.gt(diesel::dsl::now))
        .count()
        .single_value();
    let pending = invitations::table
        .filter(invitations::user_id.eq(users::id))
        .filter(invitations::used_at.is_null());
    let mut query = users::table
        .filter(users::organization_id.eq(viewer.organization_id))
        .select((
            account_identity::Stored::as_select(),
            Use::as_select(),
            users::locked_until,
            // A second factor of either kind (what a reset removes).
            diesel::dsl::exists(mfa_factors::table.filter(mfa_factors::user_id.eq(users::id))).or(
                diesel::dsl::exists(passkeys::table.filter(passkeys::user_id.eq(users::id))),
            ),
            record,
            live_sessions,
            (
                pending
                    .select(diesel::dsl::max(invitations::created_at))
                    .single_value(),
                pending
                    .select(diesel::dsl::max(invitations::expires_at))
                    .single_value(),
            ),
        ))
        .into_boxed();
    if viewer.role != Role::Admin {
        let invited = invitations::table
            .filter(invitations::invited_by.eq(viewer.user_id))
            .select(invitations::user_id);
        query = query
            .filter(users::role.eq(Role::Patient))
            .filter(users::id.eq_any(invited));
    }
    let now = OffsetDateTime::now_utc();
    let mut people = conn
        .transaction::<_, AppError, _>(async |conn| {
            let rows: Vec<PersonColumns> = query.load(conn).await?;
            let mut people = Vec::with_capacity(rows.len());
            let mut listed = Vec::new();
            for (stored, use_, locked_until, mfa_on, record, live, invited) in rows {
                let id = stored.id;
                let role = use_.role;
                let who = account_identity::open(conn, vault, &stored).await?;
                if role == Role::Patient {
                    let event = Event::new(
                        AuditAction::AccountListed,
                        AuditOutcome::Allowed,
                        viewer.into(),
                        Origin::from(client),
                    )
                    .on("endpoint", "people")
                    .about_user(id);
                    listed.push(match record {
                        Some(patient_id) => event.about_patient(patient_id),
                        None => event,
                    });
                }
                people.push(PersonRow {
                    id,
                    display_name: who.display_name,
                    email: who.email,
                    role,
                    status: use_.status,
                    locked: locked_until.is_some_and(|until| until > now),
                    active_sessions: live.unwrap_or(0),
                    mfa_on,
                    you: id == viewer.user_id,
                    last_signed_in_secs_ago: use_.last_signed_in_at.map(|at| secs_between(at, now)),
                    unused: unused.is_unused(&use_, now),
                    invitation: match (use_.status, invited) {
                        (UserStatus::Invited, (Some(sent), Some(expires))) => Some(InvitationAge {
                            sent_secs_ago: secs_between(sent, now),
                            expired: expires <= now,
                        }),
                        _ => None,
                    },
                });
            }
            audit::record_all(conn, &listed).await?;
            Ok(people)
        })
        .await?;
    // By role, then name: the names are sealed, so sorted once opened.
    people.sort_by_cached_key(|p| (p.role.as_str(), p.display_name.to_lowercase()));
    Ok(people)
}

/// What an administrator can do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Deactivate,
    Reactivate,
    Unlock,
    EndSessions,
}

impl AccountAction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "deactivate" => Some(Self::Deactivate),
            "reactivate" => Some(Self::Reactivate),
            "unlock" => Some(Self::Unlock),
            "end-sessions" => Some(Self::EndSessions),
            _ => None,
        }
    }
}

/// Applies `action` to `target` in the administrator's practice. An
/// account of another practice reads as not found.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    target: Uuid,
    action: AccountAction,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let status: UserStatus = users::table
        .filter(users::id.eq(target))
        .filter(users::organization_id.eq(admin.organization_id))
        .select(users::status)
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    if action == AccountAction::Deactivate && target == admin.user_id {
        return Err(AppError::Forbidden);
    }
    conn.transaction(async |conn| {
        let audited = match action {
            AccountAction::Deactivate => {
                accounts::deactivate(conn, target).await?;
                AuditAction::AccountDeactivated
            }
            AccountAction::Reactivate => {
                if status != UserStatus::Deactivated {
                    return Ok(());
                }
                let has_password: Option<String> = users::table
                    .find(target)
                    .select(users::password_hash)
                    .first(conn)
                    .await?;
                let next = if has_password.is_some() {
                    UserStatus::Active
                } else {
                    UserStatus::Invited
                };
                accounts::set_status(conn, target, next).await?;
                AuditAction::AccountReactivated
            }
            AccountAction::Unlock => {
                accounts::unlock(conn, target).await?;
                AuditAction::AccountUnlocked
            }
            AccountAction::EndSessions => {
                mine::end_all(conn, target, None).await?;
                AuditAction::SessionEnded
            }
        };
        let event = Event::new(
            audited,
            AuditOutcome::Allowed,
            admin.into(),
            Origin::from(client),
        )
        .on("user", target)
        .about_user(target);
        audit::record(conn, event).await?;
        tracing::info!(user.id = %target, by = %admin.user_id, ?action, "account action");
        Ok(())
    })
    .await
}

/// Whole seconds from `then` to `now`, never below zero.
fn secs_between(then: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (now - then).whole_seconds().max(0)
}

/// Removes the authenticator of `target` (in the administrator's practice)
/// and ends their sessions: they set it up again at their next sign-in.
/// Needs the administrator's own fresh second factor ([`StepUp`]).
pub async fn reset_mfa(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    fresh: crate::backend::identity::authz::StepUp,
    target: Uuid,
    client: &ClientInfo,
) -> Result<(), AppError> {
    users::table
        .filter(users::id.eq(target))
        .filter(users::organization_id.eq(admin.organization_id))
        .select(users::id)
        .first::<Uuid>(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound)?;
    // Every second factor goes: the authenticator app, its recovery codes
    // and the passkeys (a lost phone holds both). Savepoints inside one
    // transaction, so the reset is recorded or nothing is removed.
    conn.transaction::<_, AppError, _>(async |conn| {
        let passkeys = crate::backend::identity::passkeys::remove_all(conn, target).await?;
        let app = crate::backend::identity::mfa::remove(
            conn,
            fresh,
            target,
            crate::model::SecurityEventKind::MfaReset,
            client,
        )
        .await?;
        match (app, passkeys) {
            (true, _) => Ok(()),
            (false, 0) => Err(AppError::MfaNotOn),
            (false, _) => {
                let actor = crate::backend::audit::Actor::Account(fresh.user_id);
                let kind = crate::model::SecurityEventKind::MfaReset;
                crate::backend::identity::security_events::record_by(
                    conn, actor, target, kind, client,
                )
                .await
            }
        }
    })
    .await?;
    mine::end_all(conn, target, None).await?;
    tracing::info!(user.id = %target, by = %admin.user_id, "two-step verification reset");
    Ok(())
}
