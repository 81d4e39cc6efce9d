//! Roles and account states, as stored in `users.role` / `users.status`.

stored_enum! {
    /// What a person is to the practice. Exactly one per account.
    pub enum Role {
        Admin => "admin",
        Therapist => "therapist",
        Patient => "patient",
    }
}

stored_enum! {
    /// Where an account is in its life.
    pub enum UserStatus {
        /// Created by an admin or therapist; no password set yet.
        Invited => "invited",
        Active => "active",
        /// Too many failed sign-ins; unlocks after a while or by an admin.
        Locked => "locked",
        /// Switched off by an admin; keeps its history.
        Deactivated => "deactivated",
    }
}

stored_enum! {
    /// Something that happened to an account that its owner should know.
    pub enum SecurityEventKind {
        SignedIn => "signed_in",
        /// A sign-in from an address and device not seen before.
        NewDevice => "new_device",
        PasswordChanged => "password_changed",
        LockedOut => "locked_out",
        MfaEnrolled => "mfa_enrolled",
        MfaVerified => "mfa_verified",
        MfaFailed => "mfa_failed",
        MfaReplayRefused => "mfa_replay_refused",
        RecoveryCodeUsed => "recovery_code_used",
        RecoveryCodesRegenerated => "recovery_codes_regenerated",
        /// An administrator removed the person's authenticator.
        MfaReset => "mfa_reset",
        /// The person turned two-step verification off (patients only).
        MfaDisabled => "mfa_disabled",
        PasskeyAdded => "passkey_added",
        PasskeyRemoved => "passkey_removed",
        PasskeyUsed => "passkey_used",
        /// A passkey that did not prove the person: a bad signature, a
        /// counter gone backwards (a cloned authenticator), or a credential
        /// of another account or practice.
        PasskeyRefused => "passkey_refused",
    }
}

impl SecurityEventKind {
    /// How the event reads in a list.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SignedIn => "Signed in",
            Self::NewDevice => "Signed in from a new device or address",
            Self::PasswordChanged => "Password changed",
            Self::LockedOut => "Account locked after repeated wrong passwords",
            Self::MfaEnrolled => "Two-step verification turned on",
            Self::MfaVerified => "Two-step verification code accepted",
            Self::MfaFailed => "Wrong two-step verification code entered",
            Self::MfaReplayRefused => "An already used two-step code was refused",
            Self::RecoveryCodeUsed => "Signed in with a recovery code",
            Self::RecoveryCodesRegenerated => {
                "New recovery codes made (the old ones no longer work)"
            }
            Self::MfaReset => "Two-step verification reset by an administrator",
            Self::MfaDisabled => "Two-step verification turned off",
            Self::PasskeyAdded => "Passkey added",
            Self::PasskeyRemoved => "Passkey removed",
            Self::PasskeyUsed => "Passkey used",
            Self::PasskeyRefused => "A passkey was refused",
        }
    }

    /// Routine events (sign-ins from known devices, accepted codes): listed
    /// on the Security page, but neither noticed nor emailed.
    pub const ROUTINE: &'static [SecurityEventKind] =
        &[Self::SignedIn, Self::MfaVerified, Self::PasskeyUsed];

    /// Whether the person gets a notice (and an email).
    pub fn is_notice(self) -> bool {
        !Self::ROUTINE.contains(&self)
    }
}

impl Role {
    /// How the role reads to a person.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Therapist => "Therapist",
            Role::Patient => "Patient",
        }
    }

    /// Staff can reach other people's records; patients only their own.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Therapist)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        for status in UserStatus::ALL {
            assert_eq!(status.as_str().parse::<UserStatus>(), Ok(*status));
        }
        assert_eq!("root".parse::<Role>(), Err(crate::model::UnknownValue));
        assert_eq!(Role::Therapist.to_string(), "therapist");
    }

    #[test]
    fn serde_uses_the_stored_spelling() {
        assert_eq!(
            serde_json::to_string(&UserStatus::Deactivated)
                .ok()
                .as_deref(),
            Some("\"deactivated\"")
        );
    }

    #[test]
    fn only_admins_and_therapists_are_staff() {
        assert!(Role::Admin.is_staff());
        assert!(Role::Therapist.is_staff());
        assert!(!Role::Patient.is_staff());
    }
}
