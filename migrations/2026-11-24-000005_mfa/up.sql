-- Two-step verification (TOTP) and recovery codes.

-- An enrolled authenticator. The secret is sealed (AES-256-GCM, bound to
-- this user's id; see app/src/backend/vault/sealed.rs), never stored plain.
CREATE TABLE mfa_factors (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  bytea NOT NULL CHECK (octet_length(secret_sealed) BETWEEN 33 AND 256),
    enrolled_at    timestamptz NOT NULL DEFAULT now(),
    -- The last accepted 30-second step: that code and earlier ones are
    -- refused (a code is good once).
    last_step      bigint NOT NULL CHECK (last_step >= 0)
);

-- An enrollment begun but not confirmed with a code: not active, and dead
-- after expires_at.
CREATE TABLE mfa_enrollments (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  bytea NOT NULL CHECK (octet_length(secret_sealed) BETWEEN 33 AND 256),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);

-- Single-use recovery codes, as argon2id hashes only.
CREATE TABLE recovery_codes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   text NOT NULL CHECK (code_hash LIKE '$argon2id$%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz
);

CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id) WHERE used_at IS NULL;

-- MFA events join the security events people see (and the audit trail
-- will read).
ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_in', 'new_device', 'password_changed', 'locked_out',
    'mfa_enrolled', 'mfa_verified', 'mfa_failed', 'mfa_replay_refused',
    'recovery_code_used', 'recovery_codes_regenerated', 'mfa_reset', 'mfa_disabled'
));
