//! Authorization as types: a function that needs an administrator takes an
//! [`Admin`], and the only way to get one is [`Admin::check`] on the signed-in
//! session. Forgetting the check does not compile.

use crate::backend::identity::session::signed_in::SignedIn;
use crate::{error::AppError, model::Role};
use uuid::Uuid;

/// Proof that the session belongs to an administrator of `organization_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admin {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

impl Admin {
    pub fn check(who: &SignedIn) -> Result<Admin, AppError> {
        match who.role {
            Role::Admin => Ok(Admin {
                user_id: who.user_id,
                organization_id: who.organization_id,
            }),
            _ => Err(AppError::Forbidden),
        }
    }
}

/// Proof that the session belongs to a therapist of `organization_id`:
/// what the caseload and note-writing endpoints need before any patient is
/// named. Which charts they reach is the patient-level policy's question
/// (`backend::records::access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Therapist {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

impl Therapist {
    pub fn check(who: &SignedIn) -> Result<Therapist, AppError> {
        match who.role {
            Role::Therapist => Ok(Therapist {
                user_id: who.user_id,
                organization_id: who.organization_id,
            }),
            _ => Err(AppError::Forbidden),
        }
    }
}

/// Proof that the session belongs to a patient of `organization_id`: what
/// the portal's own-record functions need. Staff keep no record of their
/// own there, so asking is refused (and recorded) like any other access
/// their role never has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patient {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

impl Patient {
    pub fn check(who: &SignedIn) -> Result<Patient, AppError> {
        match who.role {
            Role::Patient => Ok(Patient {
                user_id: who.user_id,
                organization_id: who.organization_id,
            }),
            _ => Err(AppError::Forbidden),
        }
    }
}

/// Proof that the session belongs to staff (a therapist or an
/// administrator): what acting for the practice on a patient's record
/// needs (recording a disclosure), before the patient-level policy decides
/// which records. A patient reaching their own record set may copy it, but
/// never records a disclosure of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staff {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

impl Staff {
    pub fn check(who: &SignedIn) -> Result<Staff, AppError> {
        if !who.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        Ok(Staff {
            user_id: who.user_id,
            organization_id: who.organization_id,
        })
    }
}

/// Proof that the session belongs to staff who may invite people: an
/// administrator (anyone) or a therapist (patients only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inviter {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
}

impl Inviter {
    pub fn check(who: &SignedIn) -> Result<Inviter, AppError> {
        if !who.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        Ok(Inviter {
            user_id: who.user_id,
            organization_id: who.organization_id,
            role: who.role,
        })
    }

    /// Administrators invite anyone; therapists invite their patients.
    pub fn may_invite(&self, role: Role) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Therapist => role == Role::Patient,
            Role::Patient => false,
        }
    }
}

/// Actions that need a second factor entered in the last few minutes
/// (step-up), whatever the session's age. The one list: adding an action
/// here is how it becomes sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    RegenerateRecoveryCodes,
    TurnOffMfa,
    /// An administrator removing someone else's authenticator.
    ResetMfa,
    ChangeRole,
    ExportData,
    EmergencyAccess,
    /// Erasing a record whose retention has ended: nothing brings it back.
    EraseRecord,
    /// A patient revoking a consent (a release of information): it takes
    /// effect at once, so it is asked of them fresh.
    RevokeConsent,
    /// Adding a passkey: a stolen session must not plant a lasting way in.
    AddPasskey,
    /// Removing a passkey: a stolen session must not take one away.
    RemovePasskey,
}

/// Proof that a second factor was entered within `window` of now, for
/// `action`. Server functions for [`Sensitive`] actions take one; the only
/// way to get it is [`StepUp::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUp {
    pub user_id: Uuid,
    pub action: Sensitive,
}

impl StepUp {
    pub fn check(
        who: &SignedIn,
        window: std::time::Duration,
        action: Sensitive,
        now: i64,
    ) -> Result<StepUp, AppError> {
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        match who.mfa_at {
            Some(at) if now.saturating_sub(at) <= window && at <= now => Ok(StepUp {
                user_id: who.user_id,
                action,
            }),
            _ => Err(AppError::StepUpRequired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role) -> SignedIn {
        SignedIn {
            user_id: Uuid::nil(),
            organization_id: Uuid::nil(),
            role,
            authenticated_at: 0,
            idle_timeout_secs: 900,
            absolute_expires_at: 0,
            ip: None,
            user_agent: None,
            mfa_at: None,
            must_enroll: false,
        }
    }

    #[test]
    fn only_admins_get_admin_proof() {
        assert!(Admin::check(&who(Role::Admin)).is_ok());
        assert_eq!(
            Admin::check(&who(Role::Therapist)),
            Err(AppError::Forbidden)
        );
        assert_eq!(Admin::check(&who(Role::Patient)), Err(AppError::Forbidden));
    }

    #[test]
    fn sensitive_actions_need_a_recent_second_factor() {
        let window = std::time::Duration::from_secs(300);
        let now = 1_000_000;
        let mut session = who(Role::Admin);
        assert_eq!(
            StepUp::check(&session, window, Sensitive::ResetMfa, now),
            Err(AppError::StepUpRequired)
        );
        session.mfa_at = Some(now - 300);
        assert!(StepUp::check(&session, window, Sensitive::ResetMfa, now).is_ok());
        session.mfa_at = Some(now - 301);
        assert_eq!(
            StepUp::check(&session, window, Sensitive::ResetMfa, now),
            Err(AppError::StepUpRequired)
        );
    }

    #[test]
    fn who_may_invite_whom() {
        let admin = Inviter::check(&who(Role::Admin)).expect("admin");
        assert!(Role::ALL.iter().all(|r| admin.may_invite(*r)));
        let therapist = Inviter::check(&who(Role::Therapist)).expect("therapist");
        assert!(therapist.may_invite(Role::Patient));
        assert!(!therapist.may_invite(Role::Therapist));
        assert!(!therapist.may_invite(Role::Admin));
        assert_eq!(
            Inviter::check(&who(Role::Patient)),
            Err(AppError::Forbidden)
        );
    }
}
