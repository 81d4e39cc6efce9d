//! Accounts: creating them, and checking a password at sign-in.
//!
//! One way to create an account with a password ([`create_with_password`]),
//! used by `cairn create-admin` and the demo seed alike, so both go through
//! the same validation and hashing.

use crate::backend::{
    SignInPolicy,
    audit::{self, Actor, Details, Event, Origin},
    client::ClientInfo,
    db::{Database, internal, schema::users},
    identity::account_identity::{self, Identity, with_email},
    identity::password::{PasswordHashString, Passwords, Verified},
    identity::security_events,
    vault::Vault,
};
use crate::{
    error::{AppError, FieldErrors},
    model::{
        Role, SecurityEventKind, UserStatus,
        audit::{AuditAction, AuditOutcome},
        validate::{check_display_name, check_email, check_sign_in_password},
    },
};
use diesel::{
    prelude::*,
    result::{DatabaseErrorKind, Error as DieselError},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// An account as sign-in needs it. The hash stays private to this module.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    pub status: UserStatus,
    password_hash: Option<String>,
    pub locked_until: Option<time::OffsetDateTime>,
}

impl Account {
    /// Whom a session begun for this account speaks for.
    pub fn person(&self) -> crate::backend::identity::session::Person {
        crate::backend::identity::session::Person {
            id: self.id,
            organization_id: self.organization_id,
            role: self.role,
        }
    }

    /// Locked after too many failed sign-ins, until the lock runs out or an
    /// admin lifts it.
    pub fn is_locked(&self) -> bool {
        self.locked_until
            .is_some_and(|until| until > time::OffsetDateTime::now_utc())
    }
}

/// What a person typed to create an account, before any checking.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// Validates, hashes and inserts an active account in `organization_id`.
/// Field errors name the field (`email`, `display_name`, `password`).
pub async fn create_with_password(
    conn: &mut AsyncPgConnection,
    passwords: &Passwords,
    vault: &Vault,
    organization_id: Uuid,
    input: NewAccount,
) -> Result<Uuid, AppError> {
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &input.email);
    let display_name = check_display_name(&mut errors, "display_name", &input.display_name);
    crate::backend::identity::password_rules::check_new(
        &mut errors,
        "password",
        &input.password,
        input.role,
        email.as_deref().unwrap_or_default(),
    );
    errors.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(AppError::Internal);
    };

    let hash = passwords.hash(input.password).await?;
    let id = Uuid::new_v4();
    let who = Identity {
        email,
        display_name,
    };
    let identity =
        account_identity::to_store(conn, vault, organization_id, id, input.role, &who).await?;
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::organization_id.eq(organization_id),
            identity,
            users::role.eq(input.role),
            users::status.eq(UserStatus::Active),
            users::password_hash.eq(hash.as_str()),
        ))
        .returning(users::id)
        .get_result(conn)
        .await
        .map_err(|error| match error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "email",
                    "An account with this email already exists in this practice.",
                );
                AppError::Invalid(errors)
            }
            other => internal(other),
        })
}

/// Checks an email and password. Unknown account, wrong password, locked
/// account and an account that may not sign in all answer
/// [`AppError::BadCredentials`], after the same amount of hashing work.
/// Each wrong password counts against the account; `policy.lockout_threshold`
/// consecutive ones lock it for `policy.lockout`.
///
/// Takes the pool, not a connection: it reads what the check needs, lets
/// the connection go, hashes, then takes one again to record the outcome.
/// A sign-in waiting for its turn to hash holds no connection that a
/// signed-in person's page needs (`db::held`).
pub async fn authenticate(
    db: &Database,
    passwords: &Passwords,
    vault: &Vault,
    policy: SignInPolicy,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Account, AppError> {
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", email);
    check_sign_in_password(&mut errors, "password", &password);
    errors.into_result()?;
    let email = email.ok_or(AppError::Internal)?;

    // Emails are unique per practice, so one address may have an account
    // in more than one practice; the password picks which.
    let candidates: Vec<Account> = users::table
        .filter(with_email(vault, &email))
        .order(users::created_at)
        .select(Account::as_select())
        .load(&mut *db.conn().await?)
        .await
        .map_err(internal)?;

    if candidates.is_empty() {
        checked(passwords, password, None, client).await?;
        let mut conn = db.conn().await?;
        audit_refused_sign_in(&mut conn, None, "no such account", client).await?;
        return Err(AppError::BadCredentials);
    }
    for account in candidates {
        let stored = account
            .password_hash
            .clone()
            .map(PasswordHashString::from_stored);
        let verified = checked(passwords, password.clone(), stored, client).await?;
        // The outcome, on a connection held only for recording it: the
        // rehash below hashes again, with none held.
        {
            let mut conn = db.conn().await?;
            let conn = &mut *conn;
            if verified == Verified::No {
                audit_refused_sign_in(conn, Some(&account), "wrong password", client).await?;
                record_failure(conn, &account, policy, client).await?;
                continue;
            }
            // The right password does not open a locked or inactive account,
            // and says nothing different about it.
            if account.is_locked() || account.status != UserStatus::Active {
                let reason = if account.is_locked() {
                    "account locked"
                } else {
                    "account not active"
                };
                audit_refused_sign_in(conn, Some(&account), reason, client).await?;
                return Err(AppError::BadCredentials);
            }
            clear_wrong_passwords(conn, account.id).await?;
        }
        if verified == Verified::YesRehash {
            rehash(db, passwords, account.id, password).await;
        }
        return Ok(account);
    }
    Err(AppError::BadCredentials)
}

/// [`Passwords::verify`] for a sign-in; one turned away because too many
/// are waiting ([`AppError::Busy`]) is counted for the trail
/// ([`record_turned_away`]) and answered the same whatever the account.
async fn checked(
    passwords: &Passwords,
    password: String,
    stored: Option<PasswordHashString>,
    client: &ClientInfo,
) -> Result<Verified, AppError> {
    let verified = passwords.verify(password, stored).await;
    if let Err(AppError::Busy { .. }) = verified {
        passwords.turned_away().count(client.ip);
    }
    verified
}

/// Records the sign-ins turned away since the last call as one
/// `sign_in.shed` event: how many, from how many addresses, and the
/// busiest one (as the event's address). Nothing when none were. The
/// server calls this every few seconds; one event per turned-away request
/// made a flood cost a chained, durable write each.
pub async fn record_turned_away(db: &Database, passwords: &Passwords) -> Result<(), AppError> {
    if passwords.turned_away().is_empty() {
        return Ok(());
    }
    // The tally is taken only once it can be written: while the database
    // is out of reach it keeps counting for the next try.
    let mut conn = db.conn().await?;
    let organization_id = crate::backend::organizations::single_practice(&mut conn)
        .await?
        .map(|(id, _)| id);
    let Some(summary) = passwords.turned_away().take() else {
        return Ok(());
    };
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (busiest, from_busiest) = summary.busiest.unwrap_or((None, 0));
    let origin = Origin {
        ip: busiest.map(|ip| ip.to_string()),
        ..Origin::default()
    };
    let event = Event::new(
        AuditAction::SignInShed,
        AuditOutcome::Denied,
        Actor::Anonymous { organization_id },
        origin,
    )
    .because("busy")
    .details(
        Details::new()
            .with("turned_away", count(summary.total))
            .with("addresses", count(summary.addresses))
            .with("from_busiest_address", count(from_busiest)),
    );
    audit::record(&mut conn, event).await.map(drop)
}

/// An account's email address (its sign-in name), as an authenticator app
/// labels its entry: for the person themselves.
pub async fn email(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    id: Uuid,
) -> Result<String, AppError> {
    Ok(account_identity::of(conn, vault, id).await?.email)
}

/// The name a person goes by in the practice: for the person themselves
/// (the greeting on every page).
pub async fn display_name(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    id: Uuid,
) -> Result<String, AppError> {
    Ok(account_identity::of(conn, vault, id).await?.display_name)
}

/// The account, when it may sign in now (active and not locked): for the
/// second step of sign-in, which must not finish for an account locked or
/// deactivated after its password was checked.
pub async fn active(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Account>, AppError> {
    let account: Option<Account> = users::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(account.filter(|a| a.status == UserStatus::Active && !a.is_locked()))
}

/// Counts a wrong two-step code at the sign-in prompt against the
/// account. Unlike wrong passwords, these are not cleared by the next
/// right password (someone who knows the password would otherwise guess
/// codes without end, a few per sign-in); only a right code or the lock
/// they lead to clears them. `policy.code_lockout_threshold` in a row lock
/// the account exactly as wrong passwords do.
pub async fn count_wrong_code(
    conn: &mut AsyncPgConnection,
    account: &Account,
    policy: SignInPolicy,
    client: &ClientInfo,
) -> Result<bool, AppError> {
    let failures: i32 = diesel::update(users::table.find(account.id))
        .set(users::failed_codes.eq(users::failed_codes + 1))
        .returning(users::failed_codes)
        .get_result(conn)
        .await?;
    if failures < i32::try_from(policy.code_lockout_threshold).unwrap_or(i32::MAX) {
        return Ok(false);
    }
    lock(conn, account, policy, client).await?;
    Ok(true)
}

/// A right code at the sign-in prompt: the wrong ones before it no longer
/// count.
pub async fn clear_wrong_codes(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .filter(users::failed_codes.ne(0))
        .set(users::failed_codes.eq(0))
        .execute(conn)
        .await?;
    Ok(())
}

/// A refused sign-in, in the audit trail: nobody is signed in; the account
/// tried, when there is one (what was typed for an unknown one is not kept).
async fn audit_refused_sign_in(
    conn: &mut AsyncPgConnection,
    account: Option<&Account>,
    reason: &'static str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let organization_id = match account {
        Some(account) => Some(account.organization_id),
        None => crate::backend::organizations::single_practice(conn)
            .await?
            .map(|(id, _)| id),
    };
    let actor = Actor::Anonymous { organization_id };
    let mut event = Event::new(
        AuditAction::SignInFailed,
        AuditOutcome::Denied,
        actor,
        Origin::from(client),
    )
    .because(reason);
    if let Some(account) = account {
        event = event.on("user", account.id).about_user(account.id);
    }
    audit::record(conn, event).await.map(drop)
}

/// Counts a failed sign-in; the one that reaches the threshold locks the
/// account. Returns true when this failure locked it.
async fn record_failure(
    conn: &mut AsyncPgConnection,
    account: &Account,
    policy: SignInPolicy,
    client: &ClientInfo,
) -> Result<bool, AppError> {
    let id = account.id;
    let failures: i32 = diesel::update(users::table.find(id))
        .set(users::failed_sign_ins.eq(users::failed_sign_ins + 1))
        .returning(users::failed_sign_ins)
        .get_result(conn)
        .await?;
    let threshold = i32::try_from(policy.lockout_threshold).unwrap_or(i32::MAX);
    if failures < threshold {
        return Ok(false);
    }
    lock(conn, account, policy, client).await?;
    Ok(true)
}

/// Locks the account for `policy.lockout` and starts both counts afresh;
/// its owner is told (the security notice), and an administrator can lift
/// it early ([`unlock`]).
async fn lock(
    conn: &mut AsyncPgConnection,
    account: &Account,
    policy: SignInPolicy,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let id = account.id;
    let until = time::OffsetDateTime::now_utc() + policy.lockout;
    diesel::update(users::table.find(id))
        .set((
            users::locked_until.eq(Some(until)),
            users::failed_sign_ins.eq(0),
            users::failed_codes.eq(0),
        ))
        .execute(conn)
        .await?;
    tracing::warn!(user.id = %id, "account locked after repeated failed sign-ins");
    let nobody = Actor::Anonymous {
        organization_id: Some(account.organization_id),
    };
    security_events::record_by(conn, nobody, id, SecurityEventKind::LockedOut, client).await
}

/// Clears both failure counts and any lock: an administrator lifting a
/// lock early.
pub async fn unlock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_sign_ins.eq(0),
            users::failed_codes.eq(0),
            users::locked_until.eq(None::<time::OffsetDateTime>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A right password: the wrong passwords before it no longer count, and a
/// lock that has run out is cleared. Wrong two-step codes still count
/// ([`count_wrong_code`]).
async fn clear_wrong_passwords(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_sign_ins.eq(0),
            users::locked_until.eq(None::<time::OffsetDateTime>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a fresh hash at the current parameters. A failure here must not
/// fail the sign-in that triggered it, so it is logged and dropped.
async fn rehash(db: &Database, passwords: &Passwords, id: Uuid, password: String) {
    let stored = async {
        let hash = passwords.hash(password).await?;
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(hash.as_str()))
            .execute(&mut *db.conn().await?)
            .await?;
        Ok::<_, AppError>(())
    };
    let result = stored.await;
    match result {
        Ok(()) => tracing::info!(user.id = %id, "password rehashed at current parameters"),
        Err(error) => tracing::warn!(user.id = %id, %error, "password rehash failed"),
    }
}

/// What a person typed to change their password.
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Changes a signed-in person's password: the current one must be right
/// (a wrong one counts toward the lockout, like a failed sign-in), the new
/// one must meet the rules. Field errors name `current_password` and
/// `new_password`.
pub async fn change_password(
    db: &Database,
    passwords: &Passwords,
    vault: &Vault,
    policy: SignInPolicy,
    user_id: Uuid,
    change: PasswordChange,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let PasswordChange { current, new } = change;
    let (account, email) = {
        let mut conn = db.conn().await?;
        let account: Account = users::table
            .find(user_id)
            .select(Account::as_select())
            .first(&mut *conn)
            .await?;
        let email = account_identity::of(&mut conn, vault, user_id).await?.email;
        (account, email)
    };
    let mut errors = FieldErrors::new();
    check_sign_in_password(&mut errors, "current_password", &current);
    crate::backend::identity::password_rules::check_new(
        &mut errors,
        "new_password",
        &new,
        account.role,
        &email,
    );
    if errors.get("new_password").is_none() && new == current {
        errors.add(
            "new_password",
            "Choose a password different from your current one.",
        );
    }
    errors.into_result()?;
    // Both hashes with no connection held (`db::held`).
    password_is_right(
        db,
        passwords,
        policy,
        &account,
        "current_password",
        current,
        client,
    )
    .await?;
    let hash = passwords.hash(new).await?;
    let mut conn = db.conn().await?;
    let conn = &mut *conn;
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash.as_str()),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    tracing::info!(user.id = %user_id, "password changed");
    security_events::record(conn, user_id, SecurityEventKind::PasswordChanged, client).await?;
    Ok(())
}

/// Asks a signed-in person for their password again before a sensitive
/// action, when they have no authenticator to give a code from (step-up).
/// A wrong one counts toward the lockout, like a failed sign-in; the field
/// error names `password`.
pub async fn confirm_password(
    db: &Database,
    passwords: &Passwords,
    policy: SignInPolicy,
    user_id: Uuid,
    password: String,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    check_sign_in_password(&mut errors, "password", &password);
    errors.into_result()?;
    let account: Account = users::table
        .find(user_id)
        .select(Account::as_select())
        .first(&mut *db.conn().await?)
        .await?;
    password_is_right(
        db, passwords, policy, &account, "password", password, client,
    )
    .await
}

/// Whether `password` is `account`'s, hashed with no connection held; a
/// wrong one is counted toward the lockout and answered as an error on
/// `field`.
async fn password_is_right(
    db: &Database,
    passwords: &Passwords,
    policy: SignInPolicy,
    account: &Account,
    field: &'static str,
    password: String,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let stored = account
        .password_hash
        .clone()
        .map(PasswordHashString::from_stored);
    if passwords.verify(password, stored).await? == Verified::No {
        record_failure(&mut *db.conn().await?, account, policy, client).await?;
        let mut errors = FieldErrors::new();
        errors.add(field, "That is not your current password.");
        return Err(AppError::Invalid(errors));
    }
    Ok(())
}

/// Deactivates `target` and ends their sessions (the caller records it).
pub(crate) async fn deactivate(conn: &mut AsyncPgConnection, target: Uuid) -> Result<(), AppError> {
    set_status(conn, target, UserStatus::Deactivated).await?;
    crate::backend::identity::session::mine::end_all(conn, target, None).await?;
    Ok(())
}

/// Sets `target`'s status (the caller records why).
pub(crate) async fn set_status(
    conn: &mut AsyncPgConnection,
    target: Uuid,
    status: UserStatus,
) -> Result<(), AppError> {
    diesel::update(users::table.find(target))
        .set((
            users::status.eq(status),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
