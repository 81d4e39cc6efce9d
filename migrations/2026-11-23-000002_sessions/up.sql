-- Server-side sessions and what sign-in needs to resist brute force.

-- One row per browser session. The cookie carries a random id; only its
-- SHA-256 is stored, so a copy of this table opens no one's session.
CREATE TABLE sessions (
    id_hash              bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    -- tower-sessions' key/value data (CSRF token, who is signed in).
    data                 jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Set once someone signs in; anonymous sessions carry only a CSRF token.
    user_id              uuid REFERENCES users (id) ON DELETE CASCADE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- Moved forward by real requests only (never by the expiry check).
    last_seen_at         timestamptz NOT NULL DEFAULT now(),
    idle_timeout_secs    integer NOT NULL CHECK (idle_timeout_secs > 0),
    absolute_expires_at  timestamptz NOT NULL,
    -- least(last_seen_at + idle timeout, absolute_expires_at): the row is
    -- dead after this, whatever the cookie says.
    expires_at           timestamptz NOT NULL,
    ip                   text CHECK (char_length(ip) <= 64),
    user_agent           text CHECK (char_length(user_agent) <= 512)
);

CREATE INDEX sessions_user_idx ON sessions (user_id, created_at) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Consecutive failed sign-ins and the lock they cause.
ALTER TABLE users
    ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    ADD COLUMN locked_until timestamptz;
