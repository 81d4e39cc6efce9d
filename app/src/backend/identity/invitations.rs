//! Invitations: an administrator (anyone) or therapist (patients) creates
//! an account in the `invited` state and a single-use link that expires
//! after 72 hours; the invitee sets their password there.
//!
//! The link's token is 256 random bits; only its SHA-256 is stored. Using
//! a link is one atomic UPDATE (`used_at IS NULL AND expires_at > now()`),
//! so two tabs racing on the same link cannot both succeed.

use crate::backend::{
    audit::{self, Actor, Details, Event, Origin},
    client::ClientInfo,
    db::{
        Database, internal,
        schema::{invitations, users},
    },
    identity::account_identity::{self, Identity},
    identity::accounts::Account,
    identity::authz::Inviter,
    identity::password::Passwords,
    identity::password_rules,
    secret,
    vault::Vault,
};
use crate::{
    error::{AppError, FieldErrors},
    model::{
        Role, UserStatus,
        audit::{AuditAction, AuditOutcome},
        validate::{check_display_name, check_email},
    },
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a link works.
pub const VALID_FOR: Duration = Duration::from_secs(72 * 3600);

/// What an inviter typed.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Creates (or, for someone invited before, renews) an invitation; returns
/// the token for the link. Any earlier link for the same person stops
/// working. Field errors name `email`, `display_name` and `role`.
///
/// A renewal is decided on the account as *stored*, never on the role
/// asked for: only someone who may invite the pending account's role may
/// renew it, and only with that role (a therapist asking to "re-invite" a
/// pending administrator as a patient would otherwise hand themselves the
/// administrator's link). A refusal leaves the pending link working and is
/// recorded; a renewal is recorded as one.
pub async fn invite(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    inviter: Inviter,
    input: NewInvitation,
    client: &ClientInfo,
) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &input.email);
    let display_name = check_display_name(&mut errors, "display_name", &input.display_name);
    errors.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(AppError::Internal);
    };
    if !inviter.may_invite(input.role) {
        return Err(refused(
            conn,
            inviter,
            None,
            input.role,
            Refusal::RoleNotTheirs,
            client,
        )
        .await);
    }
    let token = secret::random_token();
    let token_hash = secret::token_hash(&token);
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let existing: Option<(Uuid, UserStatus, Role)> = users::table
                .filter(users::organization_id.eq(inviter.organization_id))
                .filter(account_identity::with_email(vault, &email))
                .select((users::id, users::status, users::role))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let (user_id, action) = match existing {
                None => {
                    let id = Uuid::new_v4();
                    let who = Identity {
                        email: email.clone(),
                        display_name: display_name.clone(),
                    };
                    let organization_id = inviter.organization_id;
                    let identity =
                        account_identity::to_store(conn, vault, organization_id, id, input.role, &who)
                            .await?;
                    diesel::insert_into(users::table)
                        .values((
                            users::id.eq(id),
                            users::organization_id.eq(organization_id),
                            identity,
                            users::role.eq(input.role),
                            users::status.eq(UserStatus::Invited),
                        ))
                        .execute(conn)
                        .await?;
                    (id, AuditAction::InvitationIssued)
                }
                Some((id, status, stored)) => {
                    if let Some(refusal) = renewal_refused(inviter, status, stored, input.role) {
                        return Ok(Err((id, refusal)));
                    }
                    diesel::update(
                        invitations::table
                            .filter(invitations::user_id.eq(id))
                            .filter(invitations::used_at.is_null()),
                    )
                    .set(invitations::used_at.eq(diesel::dsl::now))
                    .execute(conn)
                    .await?;
                    (id, AuditAction::InvitationRenewed)
                }
            };
            diesel::insert_into(invitations::table)
                .values((
                    invitations::token_hash.eq(&token_hash),
                    invitations::user_id.eq(user_id),
                    invitations::invited_by.eq(inviter.user_id),
                    invitations::expires_at.eq(OffsetDateTime::now_utc() + VALID_FOR),
                ))
                .execute(conn)
                .await?;
            tracing::info!(user.id = %user_id, invited_by = %inviter.user_id, ?action, "invitation created");
            let event = Event::new(
                action,
                AuditOutcome::Allowed,
                inviter.into(),
                Origin::from(client),
            )
            .on("user", user_id)
            .about_user(user_id)
            .details(Details::new().with("role", input.role));
            audit::record(conn, event).await?;
            Ok(Ok(()))
        })
        .await?;
    match outcome {
        Ok(()) => Ok(token),
        Err((user_id, refusal)) => {
            Err(refused(conn, inviter, Some(user_id), input.role, refusal, client).await)
        }
    }
}

/// Records a refused invitation (after the transaction that changed
/// nothing) and answers the error for the form. If the trail cannot be
/// written, that error is the answer instead: still a refusal.
async fn refused(
    conn: &mut AsyncPgConnection,
    inviter: Inviter,
    user_id: Option<Uuid>,
    asked: Role,
    refusal: Refusal,
    client: &ClientInfo,
) -> AppError {
    tracing::warn!(invited_by = %inviter.user_id, reason = refusal.reason(), "invitation refused");
    let action = match refusal {
        Refusal::NotTheirsToRenew | Refusal::OtherRole(_) => AuditAction::InvitationRenewed,
        Refusal::RoleNotTheirs | Refusal::HasAccount => AuditAction::InvitationIssued,
    };
    let mut event = Event::new(
        action,
        AuditOutcome::Denied,
        inviter.into(),
        Origin::from(client),
    )
    .details(Details::new().with("role", asked))
    .because(refusal.reason());
    if let Some(user_id) = user_id {
        event = event.on("user", user_id).about_user(user_id);
    }
    match audit::record(conn, event).await {
        Ok(_) => refusal.into_error(),
        Err(error) => error,
    }
}

/// Why an invitation for someone who already has an account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// A role the inviter may not give anyone (a therapist asking for
    /// staff).
    RoleNotTheirs,
    /// Active, locked out or deactivated: there is nothing to invite.
    HasAccount,
    /// Pending with a role the inviter may not invite. Answered exactly
    /// like [`Refusal::HasAccount`], so the answer tells a therapist no
    /// more than that the address is taken.
    NotTheirsToRenew,
    /// Pending with another role than the one asked for: the role is not
    /// changed by a renewal.
    OtherRole(Role),
}

impl Refusal {
    /// The trail's fixed reason (no one typed it).
    fn reason(self) -> &'static str {
        match self {
            Refusal::RoleNotTheirs => "the role is not the inviter's to give",
            Refusal::HasAccount => "already has an account",
            Refusal::NotTheirsToRenew => {
                "the pending invitation's role is not the inviter's to give"
            }
            Refusal::OtherRole(_) => "the pending invitation has another role",
        }
    }

    fn into_error(self) -> AppError {
        let mut errors = FieldErrors::new();
        match self {
            Refusal::RoleNotTheirs => errors.add("role", "You can invite patients only."),
            Refusal::HasAccount | Refusal::NotTheirsToRenew => errors.add(
                "email",
                "This person already has an account in this practice.",
            ),
            Refusal::OtherRole(stored) => errors.add(
                "role",
                format!(
                    "This person's pending invitation is for the {} role. Renew it with that role; a renewal never changes the role.",
                    stored.label().to_lowercase()
                ),
            ),
        }
        AppError::Invalid(errors)
    }
}

/// Whether `inviter` may renew the invitation of an account stored with
/// `status` and `stored` role, asked for as `asked`; `None` when they may.
fn renewal_refused(
    inviter: Inviter,
    status: UserStatus,
    stored: Role,
    asked: Role,
) -> Option<Refusal> {
    if status != UserStatus::Invited {
        Some(Refusal::HasAccount)
    } else if !inviter.may_invite(stored) {
        Some(Refusal::NotTheirsToRenew)
    } else if stored != asked {
        Some(Refusal::OtherRole(stored))
    } else {
        None
    }
}

/// What a link leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Usable: whom it is for.
    Valid {
        display_name: String,
        email: String,
        role: Role,
    },
    Expired,
    Used,
    Unknown,
}

impl Link {
    /// The message for a link that cannot be used.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            Link::Valid { .. } => None,
            Link::Expired => Some(
                "This invitation has expired (links work for 72 hours). Ask whoever invited you to send a new one.",
            ),
            Link::Used => Some(
                "This invitation has already been used. Sign in with the password you chose, or ask for a new invitation.",
            ),
            Link::Unknown => Some(
                "This invitation link is not valid. Check that you copied all of it, or ask for a new one.",
            ),
        }
    }
}

/// Reads a link without using it. Whom it is for is opened only for a
/// link that can still be used: its holder is that person.
pub async fn look_up(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    token: &str,
) -> Result<Link, AppError> {
    let row: Option<(
        Option<OffsetDateTime>,
        OffsetDateTime,
        account_identity::Stored,
        Role,
    )> = invitations::table
        .inner_join(users::table.on(users::id.eq(invitations::user_id)))
        .filter(invitations::token_hash.eq(secret::token_hash(token.trim())))
        .select((
            invitations::used_at,
            invitations::expires_at,
            account_identity::Stored::as_select(),
            users::role,
        ))
        .first(conn)
        .await
        .optional()
        .map_err(internal)?;
    Ok(match row {
        None => Link::Unknown,
        Some((Some(_), ..)) => Link::Used,
        Some((None, expires, ..)) if expires <= OffsetDateTime::now_utc() => Link::Expired,
        Some((None, _, stored, role)) => {
            let Identity {
                email,
                display_name,
            } = account_identity::open(conn, vault, &stored).await?;
            Link::Valid {
                display_name,
                email,
                role,
            }
        }
    })
}

/// Uses a link: checks the new password, then in one transaction claims
/// the link and activates the account. Returns the account, to sign in.
/// Takes the pool: the password is hashed with no connection held
/// (`db::held`).
pub async fn accept(
    db: &Database,
    passwords: &Passwords,
    vault: &Vault,
    token: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Account, AppError> {
    let link = look_up(&mut *db.conn().await?, vault, token).await?;
    let (email, role) = match link {
        Link::Valid { email, role, .. } => (email, role),
        other => return Err(link_error(&other)),
    };
    let mut errors = FieldErrors::new();
    password_rules::check_new(&mut errors, "password", &password, role, &email);
    errors.into_result()?;
    let hash = passwords.hash(password).await?;
    let token_hash = secret::token_hash(token.trim());
    let mut conn = db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let claimed: Option<Uuid> = diesel::update(
            invitations::table
                .filter(invitations::token_hash.eq(&token_hash))
                .filter(invitations::used_at.is_null())
                .filter(invitations::expires_at.gt(diesel::dsl::now)),
        )
        .set(invitations::used_at.eq(diesel::dsl::now))
        .returning(invitations::user_id)
        .get_result(conn)
        .await
        .optional()?;
        // Lost a race with another use of the same link.
        let user_id = claimed.ok_or_else(|| link_error(&Link::Used))?;
        let account = diesel::update(
            users::table
                .find(user_id)
                .filter(users::status.eq(UserStatus::Invited)),
        )
        .set((
            users::password_hash.eq(hash.as_str()),
            users::status.eq(UserStatus::Active),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
        .await
        .optional()?;
        let account = account.ok_or_else(|| link_error(&Link::Used))?;
        let event = Event::new(
            AuditAction::InvitationUsed,
            AuditOutcome::Allowed,
            Actor::Account(account.id),
            Origin::from(client),
        )
        .on("user", account.id)
        .about_user(account.id);
        audit::record(conn, event).await?;
        Ok(account)
    })
    .await
}

/// A link problem as a form error (under `invitation`).
fn link_error(link: &Link) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(
        "invitation",
        link.problem().unwrap_or("This invitation cannot be used."),
    );
    AppError::Invalid(errors)
}
