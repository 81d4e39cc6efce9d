//! Server functions, one file per area. Each is thin: who is asking, may
//! they, do it, return a model. Errors are [`AppError`](crate::error::AppError)s;
//! the server's middleware gives each its HTTP status (`AppError::status`).

pub mod amendments;
pub mod audit;
pub mod auth;
pub mod chart;
pub mod consents;
#[cfg(feature = "ssr")]
mod context;
pub mod details;
pub mod disclosures;
pub mod home;
pub mod measures;
pub mod mfa;
pub mod notes;
pub mod passkeys;
pub mod patient;
pub mod people;
pub mod practice;
pub mod record;
pub mod retention;
pub mod roster;
pub mod safety_plan;
pub mod security;
pub mod session;

pub use amendments::{DecideAmendment, DisagreeAmendment, ExtendAmendment, RequestAmendment};
pub use audit::{
    GetAuditAlerts, GetAuditLog, GetAuditOverview, GetChainStatus, GetMyRecordAccess, ReviewAlert,
    VerifyAuditChain,
};
pub use auth::{GetVisitor, SignIn, SignOut};
pub use chart::{
    AddDiagnosis, AddPatient, GetCaseload, GetChart, ResolveDiagnosis, SaveTreatmentPlan,
    StartEmergencyAccess,
};
pub use consents::{AddConsentForm, RecordPaperConsent, RevokeConsent, SignConsent};
pub use details::{AddInsurance, ChangeInsurance, CorrectIdentity, SaveDetails, UpdateMyDetails};
pub use disclosures::RecordDisclosure;
pub use measures::{AcknowledgeMeasure, AnswerQuestionnaire, AssignMeasure, StopMeasure};
pub use mfa::{
    ConfirmMfaSetup, RegenerateRecoveryCodes, ResetMfa, StepUp, TurnOffMfa, VerifySignInCode,
};
pub use notes::{AddAddendum, GetNote, MarkSudNote, SaveNote, ShareNote, SignNote};
pub use passkeys::RemovePasskey;
pub use patient::UpdateMyContact;
pub use people::{AcceptInvitation, AccountAction, InvitePerson};
pub use practice::{
    GetPracticeInfo, SetPracticeQuestionnaires, SetPracticeRetention, SetPracticeTimeZone,
};
pub use retention::{AskErasure, ChangeLegalHold, EraseRecord, GetRetention};
pub use roster::{ChangeCareTeam, RemovePatient};
pub use safety_plan::SaveSafetyPlan;
pub use security::{
    ChangePassword, DismissSecurityNotices, EndMySession, ListMySessions, SignOutEverywhere,
};
pub use session::{ExtendSession, GetSessionStatus};

#[cfg(feature = "ssr")]
pub(crate) use server::{
    after_password, after_second_factor, anonymous_refused, authorize, client, event, fresh_factor,
    session, signed_in, signed_in_allowing_setup, state, throttle_person,
};

/// Every state-changing server function takes the session's CSRF token as
/// `csrf_token` (forms send it as a hidden field). The server's edge has
/// already compared it with the session's before the function runs
/// (`server/src/http/csrf.rs`), so the function itself ignores it.
#[cfg(feature = "ssr")]
pub(crate) fn checked_at_the_edge(_csrf_token: String) {}

#[cfg(feature = "ssr")]
mod server {
    use crate::{
        backend::{
            AppState,
            client::ClientInfo,
            identity::session::{self as sessions, SignedIn},
        },
        error::AppError,
    };
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    /// The application state provided to every route and server function.
    pub(crate) fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from server function context");
            AppError::Internal
        })
    }

    /// This request's session (the session layer always provides one).
    pub(crate) async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|error| {
            tracing::error!(%error, "no session on the request");
            AppError::Internal
        })
    }

    /// The signed-in person, or `Unauthenticated`. Every server function
    /// that needs a person starts here. Staff who still have to set up
    /// two-step verification are refused (`EnrollmentRequired`): until they
    /// do, they reach only the setup.
    pub(crate) async fn signed_in() -> Result<(Session, SignedIn), AppError> {
        let session = session().await?;
        let who = sessions::signed_in(&session).await?;
        Ok((session, who))
    }

    /// Like [`signed_in`], but also for a session that must set up two-step
    /// verification first. Only the setup itself and the session's own
    /// housekeeping (time left, sign-out) use this.
    pub(crate) async fn signed_in_allowing_setup() -> Result<(Session, SignedIn), AppError> {
        let session = session().await?;
        let who = sessions::current(&session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((session, who))
    }

    /// After a right password: a person with a second factor (an
    /// authenticator app or a passkey) is asked for it (the session is not
    /// signed in until then); anyone else is signed in, and those whose
    /// role requires one are sent to set it up. Returns where the browser
    /// goes next.
    ///
    /// Each read or write takes its own connection and lets it go before
    /// the session changes: the session store takes one of its own, and a
    /// request holding two at once can wait forever on a busy pool.
    pub(crate) async fn after_password(
        state: &AppState,
        session: &Session,
        account: &crate::backend::identity::accounts::Account,
        client: &ClientInfo,
    ) -> Result<&'static str, AppError> {
        use crate::backend::identity::{mfa, passkeys, session::SecondFactor};
        let has_factor = {
            let mut conn = state.db.conn().await?;
            mfa::is_enrolled(&mut conn, account.id).await?
                || passkeys::has_any(&mut conn, account.id).await?
        };
        if has_factor {
            sessions::await_second_factor(session, account.id).await?;
            return Ok("/sign-in/code");
        }
        let factor =
            if state.mfa.required_for(account.role) || state.passkeys.required_for(account.role) {
                SecondFactor::MustEnroll
            } else {
                SecondFactor::NotUsed
            };
        note_sign_in(&mut *state.db.conn().await?, account, client).await?;
        sessions::begin(session, &state.sessions, &account.person(), client, factor).await?;
        tracing::info!(user.id = %account.id, "signed in");
        Ok(match factor {
            SecondFactor::MustEnroll => "/security/two-step",
            _ => "/home",
        })
    }

    /// After a second factor (a code, a recovery code or a passkey) proved
    /// `account`: the sign-in is recorded and the session begins signed in,
    /// under a new id. Someone whose role must sign in with a passkey and
    /// who has none yet begins it set to add one first (`proved_by_passkey`
    /// says they just used one).
    pub(crate) async fn after_second_factor(
        state: &AppState,
        session: &Session,
        account: &crate::backend::identity::accounts::Account,
        client: &ClientInfo,
        proved_by_passkey: bool,
    ) -> Result<(), AppError> {
        use crate::backend::identity::{accounts, passkeys, session::SecondFactor};
        let factor = {
            // Let go before the session changes (its store takes its own).
            let mut conn = state.db.conn().await?;
            accounts::clear_wrong_codes(&mut conn, account.id).await?;
            note_sign_in(&mut conn, account, client).await?;
            let lacks_passkey = state.passkeys.required_for(account.role)
                && !proved_by_passkey
                && !passkeys::has_any(&mut conn, account.id).await?;
            if lacks_passkey {
                SecondFactor::MustEnroll
            } else {
                SecondFactor::Proven
            }
        };
        sessions::begin(session, &state.sessions, &account.person(), client, factor).await?;
        tracing::info!(user.id = %account.id, "signed in with a second factor");
        Ok(())
    }

    /// Records a sign-in (security event and audit trail), before the
    /// session is signed in: a sign-in that cannot be recorded does not
    /// happen.
    pub(crate) async fn note_sign_in(
        conn: &mut crate::backend::db::Connection,
        account: &crate::backend::identity::accounts::Account,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let actor = crate::backend::audit::Actor::Person {
            user_id: account.id,
            organization_id: account.organization_id,
            role: account.role,
        };
        crate::backend::identity::security_events::record_sign_in(conn, actor, account.id, client)
            .await
    }

    /// The proof a [`Sensitive`] action needs: a second factor entered
    /// within the configured step-up window, or `StepUpRequired`.
    ///
    /// [`Sensitive`]: crate::backend::identity::authz::Sensitive
    pub(crate) fn fresh_factor(
        state: &AppState,
        who: &SignedIn,
        action: crate::backend::identity::authz::Sensitive,
    ) -> Result<crate::backend::identity::authz::StepUp, AppError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        crate::backend::identity::authz::StepUp::check(who, state.mfa.step_up_for, action, now)
    }

    /// Counts a password or code attempt against the client's address and
    /// the person (sign-in, invitation and password endpoints' limit).
    pub(crate) fn throttle_person(
        state: &AppState,
        client: &ClientInfo,
        user_id: uuid::Uuid,
    ) -> Result<(), AppError> {
        state
            .throttles
            .sensitive(&client.throttle_key(), &format!("user:{user_id}"))
    }

    /// An event done by the signed-in person, from this request (allowed;
    /// say more with the builder's methods).
    pub(crate) fn event(
        who: &SignedIn,
        action: crate::model::audit::AuditAction,
        client: &ClientInfo,
    ) -> crate::backend::audit::Event {
        use crate::backend::audit::{Actor, Event, Origin};
        Event::new(
            action,
            crate::model::audit::AuditOutcome::Allowed,
            Actor::of(who),
            Origin::from(client),
        )
    }

    /// [`audit::authorize`](crate::backend::audit::authorize) for this
    /// request: the policy's answer, a refusal recorded in the trail.
    pub(crate) async fn authorize<P>(
        who: &SignedIn,
        asked: &'static str,
        check: fn(&SignedIn) -> Result<P, AppError>,
    ) -> Result<P, AppError> {
        let client = client().await;
        let state = state()?;
        let mut conn = state.db.conn().await?;
        crate::backend::audit::authorize(&mut conn, who, asked, check, &client).await
    }

    /// Records that someone not signed in asked for `endpoint` (a record's
    /// endpoint), and answers `Unauthenticated`. If the trail cannot be
    /// written, the answer is still a refusal.
    pub(crate) async fn anonymous_refused(endpoint: &'static str) -> AppError {
        use crate::{
            backend::audit::{self, Actor, Event, Origin},
            model::audit::{AuditAction, AuditOutcome},
        };
        let client = client().await;
        let event = Event::new(
            AuditAction::AccessDenied,
            AuditOutcome::Denied,
            Actor::Anonymous {
                organization_id: None,
            },
            Origin::from(&client),
        )
        .on("endpoint", endpoint)
        .because("not signed in");
        let recorded = match state() {
            Ok(state) => match state.db.conn().await {
                Ok(mut conn) => audit::record(&mut conn, event).await.map(|_| ()),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        if let Err(error) = recorded {
            tracing::warn!(%error, endpoint, "an anonymous refusal was not recorded");
        }
        AppError::Unauthenticated
    }

    /// The client's address and user agent, as the middleware found them,
    /// and the hash of the session the request came with.
    pub(crate) async fn client() -> ClientInfo {
        let mut info = leptos_axum::extract::<axum::Extension<ClientInfo>>()
            .await
            .map(|axum::Extension(info)| info)
            .unwrap_or_default();
        if let Ok(session) = session().await {
            info.set_session(&session);
        }
        info
    }
}
