//! The audit trail's vocabulary: what happened (a closed list of actions)
//! and how it ended. Stored as text in `audit_events`; never rename a
//! spelling (rows and their hashes keep it).

stored_enum! {
    /// What an audit event records.
    pub enum AuditAction {
        SignInSucceeded => "sign_in.succeeded",
        SignInFailed => "sign_in.failed",
        /// Too many failures: the account is locked for a while.
        AccountLockedOut => "sign_in.locked_out",
        SignedOut => "session.signed_out",
        SessionTimedOut => "session.timed_out",
        SessionEnded => "session.ended",
        MfaEnrolled => "mfa.enrolled",
        MfaVerified => "mfa.verified",
        MfaFailed => "mfa.failed",
        MfaReplayRefused => "mfa.replay_refused",
        RecoveryCodeUsed => "mfa.recovery_code_used",
        RecoveryCodesRegenerated => "mfa.recovery_codes_regenerated",
        MfaReset => "mfa.reset",
        MfaDisabled => "mfa.disabled",
        StepUpPassed => "mfa.step_up",
        InvitationIssued => "invitation.issued",
        InvitationUsed => "invitation.used",
        PasswordChanged => "account.password_changed",
        RoleChanged => "account.role_changed",
        AccountDeactivated => "account.deactivated",
        AccountReactivated => "account.reactivated",
        AccountUnlocked => "account.unlocked",
        RecordViewed => "record.viewed",
        RecordCreated => "record.created",
        RecordUpdated => "record.updated",
        RecordSigned => "record.signed",
        RecordExported => "record.exported",
        RecordDeleted => "record.deleted",
        EmergencyAccess => "record.emergency_access",
        /// Someone asked for something their role does not allow.
        AccessDenied => "access.denied",
        AuditViewed => "audit.viewed",
        AuditExported => "audit.exported",
        AuditVerified => "audit.verified",
        AlertReviewed => "audit.alert_reviewed",
        KeyRotated => "keys.rotated",
    }
}

stored_enum! {
    /// How an audited request ended.
    pub enum AuditOutcome {
        Allowed => "allowed",
        Denied => "denied",
        Error => "error",
    }
}
