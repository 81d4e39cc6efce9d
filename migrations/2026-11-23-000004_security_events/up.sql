-- Security events people are told about: sign-ins (and whether from a new
-- device), password changes, lockouts. Shown as a notice until dismissed,
-- and listed on the person's Security page.
CREATE TABLE security_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL
                 CHECK (kind IN ('signed_in', 'new_device', 'password_changed', 'locked_out')),
    ip           text CHECK (char_length(ip) <= 64),
    -- "Firefox on Linux": enough to recognise a device, nothing more.
    device       text CHECK (char_length(device) <= 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- When the person dismissed the notice (NULL: not yet). Plain sign-ins
    -- are listed but never noticed.
    dismissed_at timestamptz,
    -- When the notice was emailed (NULL: not yet, or no SMTP configured).
    emailed_at   timestamptz
);

CREATE INDEX security_events_user_idx ON security_events (user_id, created_at DESC);
