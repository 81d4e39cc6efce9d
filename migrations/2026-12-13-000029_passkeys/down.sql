DELETE FROM security_events WHERE kind LIKE 'passkey_%';
ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_in', 'new_device', 'password_changed', 'locked_out',
    'mfa_enrolled', 'mfa_verified', 'mfa_failed', 'mfa_replay_refused',
    'recovery_code_used', 'recovery_codes_regenerated', 'mfa_reset', 'mfa_disabled'
));
DROP TABLE passkeys;
