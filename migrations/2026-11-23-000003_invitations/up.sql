-- Invitations: how staff and patients get their first password.

-- A single-use link. The link carries a random 256-bit token; only its
-- SHA-256 is stored, so a copy of this table invites no one.
CREATE TABLE invitations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- The invited account (status 'invited' until the link is used).
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    -- Set when the link is used, or when a newer invitation replaces it.
    used_at      timestamptz,
    CHECK (expires_at > created_at)
);

CREATE INDEX invitations_user_idx ON invitations (user_id);
CREATE INDEX invitations_invited_by_idx ON invitations (invited_by, created_at);
