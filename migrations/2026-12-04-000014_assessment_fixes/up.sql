-- Wrong two-step codes counted per account across sign-ins: a right
-- password no longer wipes them (it clears failed_sign_ins only), so
-- someone who knows a password cannot guess codes indefinitely.
ALTER TABLE users
    ADD COLUMN failed_codes integer NOT NULL DEFAULT 0 CHECK (failed_codes >= 0);

-- Free text staff type about people is sealed, and the trail refers to it
-- instead of copying it. The emergency access reason is sealed with the
-- patient's data key (it is about them, and erasing them erases it); the
-- plaintext column is kept only for rows written before, until the
-- server's start seals them (then it is NULL).
ALTER TABLE emergency_access
    ALTER COLUMN reason DROP NOT NULL,
    ADD COLUMN reason_sealed bytea,
    ADD CONSTRAINT emergency_access_reason_given
        CHECK (reason IS NOT NULL OR reason_sealed IS NOT NULL);
-- Re-sealing a reason (key rotation, sealing an old one) is the only change
-- the application may make to an emergency access: never who, whom or when.
GRANT UPDATE (reason, reason_sealed) ON emergency_access TO cairn_app;

-- An alert review's note: sealed with the practice's data key, bound to the
-- review's own id (which an upsert keeps).
ALTER TABLE audit_alert_reviews
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN note_sealed bytea;
