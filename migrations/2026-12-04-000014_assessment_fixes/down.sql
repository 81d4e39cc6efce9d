ALTER TABLE audit_alert_reviews DROP COLUMN note_sealed, DROP COLUMN id;
REVOKE UPDATE (reason, reason_sealed) ON emergency_access FROM cairn_app;
ALTER TABLE emergency_access
    DROP CONSTRAINT emergency_access_reason_given,
    DROP COLUMN reason_sealed;
ALTER TABLE users DROP COLUMN failed_codes;
