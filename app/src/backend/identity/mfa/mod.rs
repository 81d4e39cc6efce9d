//! Two-step verification: enrolling an authenticator, checking its codes
//! (each good once), and recovery codes.
//!
//! Secrets are sealed with the vault's field format and bound to the user's
//! id; they are opened only here, only to check a code, and never leave the
//! server after enrollment. Every event lands in `security_events` (which
//! the audit trail will read).

pub mod recovery;
pub mod reseal;
pub mod totp;

use crate::backend::{
    client::ClientInfo,
    db::{
        Database,
        schema::{mfa_enrollments, mfa_factors, recovery_codes},
    },
    identity::authz::StepUp,
    identity::password::{PasswordHashString, Passwords, Verified},
    identity::security_events,
    vault::{Binding, Keyring},
};
use crate::{
    error::{AppError, FieldErrors},
    model::{MfaStatus, Role, SecurityEventKind},
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use time::OffsetDateTime;
use totp::{CodeError, TotpSecret};
use uuid::Uuid;

/// How two-step verification is run. From configuration.
#[derive(Clone, Debug)]
pub struct MfaPolicy {
    /// Seals and opens TOTP secrets.
    pub keys: Keyring,
    /// Roles that must use it (staff by default); others may opt in.
    pub required: Vec<Role>,
    /// How recently a code must have been entered for a sensitive action.
    pub step_up_for: Duration,
    /// How long a begun enrollment waits for its first code.
    pub enrollment_ttl: Duration,
    /// Wrong codes allowed in one sign-in before it is void.
    pub max_attempts: u32,
}

impl MfaPolicy {
    pub fn required_for(&self, role: Role) -> bool {
        self.required.contains(&role)
    }
}

/// Where sealed TOTP secrets are bound: the same for a pending and an
/// enrolled secret, since confirming an enrollment moves the value as is.
fn binding(user_id: Uuid) -> Binding<'static> {
    Binding {
        table: "mfa_factors",
        column: "secret_sealed",
        row: user_id.into(),
    }
}

fn code_error(field: &str, error: CodeError) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, error.message());
    AppError::Invalid(errors)
}

fn unreadable(user_id: Uuid, error: crate::backend::vault::OpenError) -> AppError {
    tracing::error!(user.id = %user_id, %error, "a sealed MFA secret did not open");
    AppError::Internal
}

/// Whether the person has an authenticator (one query: sign-in asks this
/// of every right password).
pub async fn is_enrolled(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(mfa_factors::table.find(user_id)))
        .get_result(conn)
        .await
}

/// Whether the person has an authenticator, and how many recovery codes are
/// left.
pub async fn status(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<MfaStatus> {
    let enrolled_at: Option<OffsetDateTime> = mfa_factors::table
        .find(user_id)
        .select(mfa_factors::enrolled_at)
        .first(conn)
        .await
        .optional()?;
    let (codes_left, made_at): (i64, Option<OffsetDateTime>) = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(recovery_codes::created_at),
        ))
        .get_result(conn)
        .await?;
    let now = OffsetDateTime::now_utc();
    Ok(MfaStatus {
        enrolled: enrolled_at.is_some(),
        enrolled_days_ago: enrolled_at.map(|at| (now - at).whole_days().max(0)),
        recovery_codes_left: u32::try_from(codes_left).unwrap_or(0),
        recovery_codes_made_secs_ago: made_at.map(|at| (now - at).whole_seconds().max(0)),
    })
}

/// What the enrollment page shows: the pending secret as text and as a QR
/// code. Not `Serialize` here; the API copies it into the page's model.
pub struct Provisioning {
    pub secret_text: String,
    pub qr_png_base64: String,
    pub expires_in_secs: i64,
}

/// Begins (or shows again, until it expires) an enrollment for a person who
/// has no authenticator yet. The pending secret is not active until
/// [`confirm_enrollment`].
pub async fn begin_enrollment(
    conn: &mut AsyncPgConnection,
    policy: &MfaPolicy,
    user_id: Uuid,
    account: &str,
) -> Result<Provisioning, AppError> {
    if is_enrolled(conn, user_id).await? {
        return Err(AppError::MfaAlreadyOn);
    }
    let now = OffsetDateTime::now_utc();
    let (sealed, expires_at) = match pending_enrollment(conn, user_id, now).await? {
        Some(pending) => pending,
        None => {
            // Two pages may begin at once (a reload while the first is
            // loading): the first insert wins and both show its secret, so
            // the code someone scans is the one that will be checked.
            diesel::delete(
                mfa_enrollments::table
                    .find(user_id)
                    .filter(mfa_enrollments::expires_at.le(now)),
            )
            .execute(conn)
            .await?;
            let secret = TotpSecret::generate();
            diesel::insert_into(mfa_enrollments::table)
                .values((
                    mfa_enrollments::user_id.eq(user_id),
                    mfa_enrollments::secret_sealed
                        .eq(policy.keys.seal(binding(user_id), secret.as_bytes())),
                    mfa_enrollments::created_at.eq(now),
                    mfa_enrollments::expires_at.eq(now + policy.enrollment_ttl),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            pending_enrollment(conn, user_id, now)
                .await?
                .ok_or(AppError::Internal)?
        }
    };
    let secret = TotpSecret::from_bytes(
        policy
            .keys
            .open(binding(user_id), &sealed)
            .map_err(|e| unreadable(user_id, e))?,
    );
    Ok(Provisioning {
        secret_text: secret.grouped_base32(),
        qr_png_base64: secret.qr_png_base64(account).ok_or(AppError::Internal)?,
        expires_in_secs: (expires_at - now).whole_seconds(),
    })
}

/// The sealed secret and expiry of `user_id`'s unexpired enrollment.
async fn pending_enrollment(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    now: OffsetDateTime,
) -> QueryResult<Option<(Vec<u8>, OffsetDateTime)>> {
    mfa_enrollments::table
        .find(user_id)
        .filter(mfa_enrollments::expires_at.gt(now))
        .select((mfa_enrollments::secret_sealed, mfa_enrollments::expires_at))
        .first(conn)
        .await
        .optional()
}

/// Confirms a pending enrollment with a current code: the authenticator
/// becomes active and the person gets fresh recovery codes (returned once,
/// never stored in the clear).
///
/// Takes the pool, not a connection: the recovery codes are hashed with
/// none held (`db::held`).
pub async fn confirm_enrollment(
    db: &Database,
    policy: &MfaPolicy,
    passwords: &Passwords,
    user_id: Uuid,
    code: &str,
    client: &ClientInfo,
) -> Result<Vec<String>, AppError> {
    totp::parse_code(code).map_err(|e| code_error("code", e))?;
    let pending = {
        let mut conn = db.conn().await?;
        pending_enrollment(&mut conn, user_id, OffsetDateTime::now_utc()).await?
    };
    let Some((sealed, _)) = pending else {
        let mut errors = FieldErrors::new();
        errors.add(
            "code",
            "This setup expired. Reload the page to get a new QR code, and scan that one.",
        );
        return Err(AppError::Invalid(errors));
    };
    let secret = TotpSecret::from_bytes(
        policy
            .keys
            .open(binding(user_id), &sealed)
            .map_err(|e| unreadable(user_id, e))?,
    );
    let step =
        totp::check(&secret, code, totp::now_secs(), None).map_err(|e| code_error("code", e))?;
    let (codes, hashes) = fresh_codes(passwords).await?;
    let mut conn = db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let moved = diesel::delete(mfa_enrollments::table.find(user_id))
            .execute(conn)
            .await?;
        if moved == 0 {
            // Confirmed twice at once: the other request won.
            return Err(AppError::MfaAlreadyOn);
        }
        diesel::insert_into(mfa_factors::table)
            .values((
                mfa_factors::user_id.eq(user_id),
                mfa_factors::secret_sealed.eq(&sealed),
                mfa_factors::last_step.eq(step_i64(step)),
            ))
            .execute(conn)
            .await?;
        replace_codes(conn, user_id, &hashes).await?;
        security_events::record(conn, user_id, SecurityEventKind::MfaEnrolled, client).await?;
        Ok(())
    })
    .await?;
    tracing::info!(user.id = %user_id, "two-step verification enrolled");
    Ok(codes)
}

fn step_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// How a second factor was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Code,
    /// A recovery code, now spent; this many remain.
    RecoveryCode {
        left: u32,
    },
}

/// Checks a code from the person's authenticator, or one of their recovery
/// codes. A code is accepted once: its step is recorded atomically, so two
/// requests racing with the same code cannot both pass. Wrong and replayed
/// codes are recorded as security events. Takes the pool: a recovery code
/// is checked against its hashes with no connection held (`db::held`).
pub async fn verify(
    db: &Database,
    policy: &MfaPolicy,
    passwords: &Passwords,
    user_id: Uuid,
    input: &str,
    client: &ClientInfo,
) -> Result<Proof, AppError> {
    let outcome = if recovery::looks_like_recovery_code(input) {
        use_recovery_code(db, passwords, user_id, input).await?
    } else {
        let mut conn = db.conn().await?;
        verify_code(&mut conn, policy, user_id, input)
            .await?
            .map(|()| Proof::Code)
    };
    let mut conn = db.conn().await?;
    let conn = &mut conn;
    let kind = match outcome {
        Ok(Proof::Code) => SecurityEventKind::MfaVerified,
        Ok(Proof::RecoveryCode { .. }) => SecurityEventKind::RecoveryCodeUsed,
        Err(CodeError::Replayed) => SecurityEventKind::MfaReplayRefused,
        Err(CodeError::Wrong) => SecurityEventKind::MfaFailed,
        Err(CodeError::Malformed) => return Err(code_error("code", CodeError::Malformed)),
    };
    security_events::record(conn, user_id, kind, client).await?;
    outcome.map_err(|e| code_error("code", e))
}

async fn verify_code(
    conn: &mut AsyncPgConnection,
    policy: &MfaPolicy,
    user_id: Uuid,
    input: &str,
) -> Result<Result<(), CodeError>, AppError> {
    let factor: Option<(Vec<u8>, i64)> = mfa_factors::table
        .find(user_id)
        .select((mfa_factors::secret_sealed, mfa_factors::last_step))
        .first(conn)
        .await
        .optional()?;
    let Some((sealed, last_step)) = factor else {
        return Ok(Err(CodeError::Wrong));
    };
    let secret = TotpSecret::from_bytes(
        policy
            .keys
            .open(binding(user_id), &sealed)
            .map_err(|e| unreadable(user_id, e))?,
    );
    let last = u64::try_from(last_step).ok();
    let step = match totp::check(&secret, input, totp::now_secs(), last) {
        Ok(step) => step,
        Err(error) => return Ok(Err(error)),
    };
    // Only one request can move last_step past this step.
    let claimed = diesel::update(
        mfa_factors::table
            .find(user_id)
            .filter(mfa_factors::last_step.lt(step_i64(step))),
    )
    .set(mfa_factors::last_step.eq(step_i64(step)))
    .execute(conn)
    .await?;
    Ok(if claimed == 1 {
        Ok(())
    } else {
        Err(CodeError::Replayed)
    })
}

async fn use_recovery_code(
    db: &Database,
    passwords: &Passwords,
    user_id: Uuid,
    input: &str,
) -> Result<Result<Proof, CodeError>, AppError> {
    let Some(code) = recovery::normalize(input) else {
        return Ok(Err(CodeError::Wrong));
    };
    let unused: Vec<(Uuid, String)> = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .select((recovery_codes::id, recovery_codes::code_hash))
        .load(&mut *db.conn().await?)
        .await?;
    for (id, hash) in unused {
        let stored = Some(PasswordHashString::from_stored(hash));
        if passwords.verify(code.clone(), stored).await? == Verified::No {
            continue;
        }
        let mut conn = db.conn().await?;
        let conn = &mut *conn;
        let spent = diesel::update(
            recovery_codes::table
                .find(id)
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        if spent == 0 {
            return Ok(Err(CodeError::Replayed));
        }
        let left = status(conn, user_id).await?.recovery_codes_left;
        return Ok(Ok(Proof::RecoveryCode { left }));
    }
    Ok(Err(CodeError::Wrong))
}

/// Recovery codes for someone who has none yet (their first passkey, with
/// no authenticator app): answered once, never stored in the clear.
/// `None` when they already have some (used or not).
pub async fn first_recovery_codes(
    db: &Database,
    passwords: &Passwords,
    user_id: Uuid,
) -> Result<Option<Vec<String>>, AppError> {
    let any: bool = diesel::select(diesel::dsl::exists(
        recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)),
    ))
    .get_result(&mut *db.conn().await?)
    .await?;
    if any {
        return Ok(None);
    }
    // Hashed with no connection held (`db::held`).
    let (codes, hashes) = fresh_codes(passwords).await?;
    replace_codes(&mut *db.conn().await?, user_id, &hashes).await?;
    Ok(Some(codes))
}

/// Ten new codes and their hashes.
async fn fresh_codes(passwords: &Passwords) -> Result<(Vec<String>, Vec<String>), AppError> {
    let codes = recovery::generate();
    let mut hashes = Vec::with_capacity(codes.len());
    for code in &codes {
        hashes.push(passwords.hash(code.clone()).await?.as_str().to_owned());
    }
    Ok((codes, hashes))
}

async fn replace_codes(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|hash| {
            (
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
            )
        })
        .collect();
    diesel::insert_into(recovery_codes::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// New recovery codes for the person who just proved a fresh second factor
/// (`fresh`); every old one stops working. The caller has checked that
/// they have a second factor the codes stand in for.
pub async fn regenerate_codes(
    db: &Database,
    passwords: &Passwords,
    fresh: StepUp,
    client: &ClientInfo,
) -> Result<Vec<String>, AppError> {
    let user_id = fresh.user_id;
    // Hashed with no connection held (`db::held`).
    let (codes, hashes) = fresh_codes(passwords).await?;
    let mut conn = db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        replace_codes(conn, user_id, &hashes).await?;
        security_events::record(
            conn,
            user_id,
            SecurityEventKind::RecoveryCodesRegenerated,
            client,
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(codes)
}

/// Removes the person's authenticator, pending enrollment and recovery
/// codes, recording `kind` (an admin's reset, or the person turning it
/// off). Only with a fresh second factor of whoever asked (`fresh`), who
/// is recorded as having done it.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    fresh: StepUp,
    user_id: Uuid,
    kind: SecurityEventKind,
    client: &ClientInfo,
) -> Result<bool, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let removed = diesel::delete(mfa_factors::table.find(user_id))
            .execute(conn)
            .await?;
        diesel::delete(mfa_enrollments::table.find(user_id))
            .execute(conn)
            .await?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
            .execute(conn)
            .await?;
        if removed > 0 {
            let actor = crate::backend::audit::Actor::Account(fresh.user_id);
            security_events::record_by(conn, actor, user_id, kind, client).await?;
        }
        Ok(removed > 0)
    })
    .await
}
