-- Passkeys (WebAuthn credentials): the strongest factor, for staff and
-- patients alike. Each row is one credential of one account; the public
-- key and signature counter live in `passkey`, the library's own record of
-- the credential (nothing in it is secret: a public key, the credential's
-- id, flags). The name is the person's label for their device.
CREATE TABLE passkeys (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The authenticator's credential id: one account's, never two.
    credential_id   bytea NOT NULL UNIQUE CHECK (octet_length(credential_id) BETWEEN 16 AND 1023),
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    passkey         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- Using a passkey moves its counter and its last use; nothing else about a
-- credential changes. A person (or an administrator's reset) removes one.
REVOKE UPDATE ON passkeys FROM cairn_app;
GRANT UPDATE (passkey, last_used_at) ON passkeys TO cairn_app;
GRANT DELETE ON passkeys TO cairn_app;

ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_in', 'new_device', 'password_changed', 'locked_out',
    'mfa_enrolled', 'mfa_verified', 'mfa_failed', 'mfa_replay_refused',
    'recovery_code_used', 'recovery_codes_regenerated', 'mfa_reset', 'mfa_disabled',
    'passkey_added', 'passkey_removed', 'passkey_used', 'passkey_refused'
));
