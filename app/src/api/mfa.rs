//! Two-step verification: setting it up, the code prompt at sign-in,
//! step-up for sensitive actions, recovery codes, and an administrator's
//! reset.

use crate::{
    error::AppError,
    model::{MfaOverview, MfaSetup, RecoveryCodes, SecondFactorOutcome},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// Whether two-step verification is on, and whether the role requires it.
#[server(prefix = "/api", endpoint = "mfa-overview", input = GetUrl)]
pub async fn get_mfa_overview() -> Result<MfaOverview, AppError> {
    use crate::backend::identity::{mfa, passkeys};
    let (_, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    Ok(MfaOverview {
        status: mfa::status(&mut conn, who.user_id).await?,
        required: state.mfa.required_for(who.role),
        has_passkey: state.passkeys.available()
            && passkeys::has_any(&mut conn, who.user_id).await?,
    })
}

/// The setup page's QR code and text. Begins an enrollment, or shows the
/// one already begun until it expires (reloading does not change the code
/// someone may already have scanned). Nothing is active until confirmed.
#[server(prefix = "/api", endpoint = "mfa-setup", input = GetUrl)]
pub async fn get_mfa_setup() -> Result<MfaSetup, AppError> {
    use crate::backend::{identity::accounts, identity::mfa};
    let (_, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let account = accounts::email(&mut conn, &state.vault, who.user_id).await?;
    let setup = mfa::begin_enrollment(&mut conn, &state.mfa, who.user_id, &account).await?;
    Ok(MfaSetup {
        qr_png_base64: setup.qr_png_base64,
        secret_text: setup.secret_text,
        expires_in_secs: setup.expires_in_secs,
        account,
    })
}

/// Confirms the setup with a current code. Answers the recovery codes,
/// shown this once. A session that had to set up continues under a new id,
/// with its second factor proven.
#[server(prefix = "/api", endpoint = "mfa-confirm")]
pub async fn confirm_mfa_setup(
    code: String,
    csrf_token: String,
) -> Result<RecoveryCodes, AppError> {
    use crate::backend::identity::{mfa, passkeys, session};
    super::checked_at_the_edge(csrf_token);
    let (current, who) = super::signed_in_allowing_setup().await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    let codes = mfa::confirm_enrollment(
        &state.db,
        &state.mfa,
        &state.passwords,
        who.user_id,
        &code,
        &client,
    )
    .await?;
    let must_enroll = state.passkeys.required_for(who.role)
        && !passkeys::has_any(&mut *state.db.conn().await?, who.user_id).await?;
    proven_now(&current, session::SignedIn { must_enroll, ..who }).await?;
    Ok(RecoveryCodes(codes))
}

/// The second step of sign-in: a code from the authenticator, or a recovery
/// code. Five wrong codes void the sign-in; every wrong code counts against
/// the account across sign-ins, and enough of them in a row lock it
/// (`CAIRN_CODE_LOCKOUT_THRESHOLD`).
#[server(prefix = "/api", endpoint = "sign-in-code")]
pub async fn verify_sign_in_code(
    code: String,
    csrf_token: String,
) -> Result<SecondFactorOutcome, AppError> {
    use crate::backend::identity::{accounts, mfa, passkeys, session};
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let client = super::client().await;
    let Some(mut pending) = session::pending(&current).await? else {
        return Err(AppError::Unauthenticated);
    };
    super::throttle_person(&state, &client, pending.user_id)?;
    let account = accounts::active(&mut *state.db.conn().await?, pending.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    // Under the passkey rule an app's code (which can be phished) no longer
    // signs in someone who has a passkey; a recovery code still does, for
    // the day the device is lost.
    if state.passkeys.required_for(account.role)
        && mfa::totp::parse_code(&code).is_ok()
        && passkeys::has_any(&mut *state.db.conn().await?, account.id).await?
    {
        let mut errors = crate::error::FieldErrors::new();
        errors.add(
            "code",
            "Your practice asks you to sign in with your passkey. Use it, or a recovery code if you have lost it.",
        );
        return Err(AppError::Invalid(errors));
    }
    let proof = match mfa::verify(
        &state.db,
        &state.mfa,
        &state.passwords,
        account.id,
        &code,
        &client,
    )
    .await
    {
        Ok(proof) => proof,
        Err(AppError::Invalid(errors)) => {
            pending.attempts += 1;
            let locked = accounts::count_wrong_code(
                &mut *state.db.conn().await?,
                &account,
                state.sign_in,
                &client,
            )
            .await?;
            if locked || pending.attempts >= state.mfa.max_attempts {
                session::update_pending(&current, None).await?;
                tracing::warn!(user.id = %account.id, locked, "sign-in voided after repeated wrong codes");
                return Err(AppError::TooManyCodes);
            }
            session::update_pending(&current, Some(pending)).await?;
            return Err(AppError::Invalid(errors));
        }
        Err(other) => return Err(other),
    };
    super::after_second_factor(&state, &current, &account, &client, false).await?;
    Ok(match proof {
        mfa::Proof::Code => {
            leptos_axum::redirect("/home");
            SecondFactorOutcome::SignedIn
        }
        mfa::Proof::RecoveryCode { left } => SecondFactorOutcome::SignedInWithRecoveryCode { left },
    })
}

/// Step-up: a fresh confirmation for a sensitive action. A code from the
/// person's authenticator (or a recovery code) when they have one; their
/// password when they have none (patients need not use two-step, and still
/// confirm before taking a copy of their record). The session continues
/// under a new id with the confirmation recorded as now; answers the
/// session's new CSRF token, so the page can carry on with the action it
/// interrupted.
#[server(prefix = "/api", endpoint = "step-up")]
pub async fn step_up(
    #[server(default)] code: String,
    #[server(default)] password: String,
    csrf_token: String,
) -> Result<String, AppError> {
    use crate::backend::identity::{accounts, mfa};
    super::checked_at_the_edge(csrf_token);
    let (current, who) = super::signed_in().await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    if mfa::is_enrolled(&mut *state.db.conn().await?, who.user_id).await? {
        mfa::verify(
            &state.db,
            &state.mfa,
            &state.passwords,
            who.user_id,
            &code,
            &client,
        )
        .await?;
    } else {
        accounts::confirm_password(
            &state.db,
            &state.passwords,
            state.sign_in,
            who.user_id,
            password,
            &client,
        )
        .await?;
    }
    proven_now(&current, who).await
}

/// The session's second factor was just proven: it continues under a new
/// id, with that time recorded (for step-up). Answers the new CSRF token.
#[cfg(feature = "ssr")]
pub(crate) async fn proven_now(
    current: &tower_sessions::Session,
    who: crate::backend::identity::session::SignedIn,
) -> Result<String, AppError> {
    use crate::backend::identity::session;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    session::replace(
        current,
        session::SignedIn {
            mfa_at: Some(now),
            ..who
        },
    )
    .await
}

/// New recovery codes (the old ones stop working), for someone with a
/// second factor (an authenticator app or a passkey). Needs step-up.
#[server(prefix = "/api", endpoint = "recovery-codes")]
pub async fn regenerate_recovery_codes(csrf_token: String) -> Result<RecoveryCodes, AppError> {
    use crate::backend::identity::{authz::Sensitive, mfa, passkeys};
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let fresh = super::fresh_factor(&state, &who, Sensitive::RegenerateRecoveryCodes)?;
    let has_factor = {
        let mut conn = state.db.conn().await?;
        mfa::is_enrolled(&mut conn, who.user_id).await?
            || passkeys::has_any(&mut conn, who.user_id).await?
    };
    if !has_factor {
        return Err(AppError::MfaNotOn);
    }
    let client = super::client().await;
    let codes = mfa::regenerate_codes(&state.db, &state.passwords, fresh, &client).await?;
    Ok(RecoveryCodes(codes))
}

/// Turns two-step verification off, where the role allows it (patients who
/// opted in). Needs step-up.
#[server(prefix = "/api", endpoint = "mfa-off")]
pub async fn turn_off_mfa(csrf_token: String) -> Result<(), AppError> {
    use crate::{
        backend::{identity::authz::Sensitive, identity::mfa, identity::session},
        model::SecurityEventKind,
    };
    super::checked_at_the_edge(csrf_token);
    let (current, who) = super::signed_in().await?;
    let state = super::state()?;
    if state.mfa.required_for(who.role) {
        return Err(AppError::MfaRequired);
    }
    let fresh = super::fresh_factor(&state, &who, Sensitive::TurnOffMfa)?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    if !mfa::remove(
        &mut conn,
        fresh,
        who.user_id,
        SecurityEventKind::MfaDisabled,
        &client,
    )
    .await?
    {
        return Err(AppError::MfaNotOn);
    }
    session::replace(
        &current,
        session::SignedIn {
            mfa_at: None,
            ..who
        },
    )
    .await
    .map(drop)
}

/// An administrator removes someone's authenticator (they set it up again
/// at their next sign-in, and their sessions end). Needs the
/// administrator's own step-up.
#[server(prefix = "/api", endpoint = "mfa-reset")]
pub async fn reset_mfa(user_id: uuid::Uuid, csrf_token: String) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::{Admin, Sensitive},
        identity::people,
    };
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "mfa-reset", Admin::check).await?;
    let state = super::state()?;
    let fresh = super::fresh_factor(&state, &who, Sensitive::ResetMfa)?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    people::reset_mfa(&mut conn, admin, fresh, user_id, &client).await
}
