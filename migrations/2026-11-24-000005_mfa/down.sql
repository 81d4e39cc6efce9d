DELETE FROM security_events WHERE kind NOT IN ('signed_in', 'new_device', 'password_changed', 'locked_out');
ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check
    CHECK (kind IN ('signed_in', 'new_device', 'password_changed', 'locked_out'));
DROP TABLE recovery_codes;
DROP TABLE mfa_enrollments;
DROP TABLE mfa_factors;
