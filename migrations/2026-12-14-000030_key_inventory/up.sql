-- The keys from configuration as this database has seen them, so an
-- operator can tell each one's age (`cairn keys status`). A key is known by
-- its fingerprint (16 bytes of SHA-256 over a fixed label and the key),
-- which tells nothing of the key. `serve` and `cairn keys status` note the
-- keys they run with; a key's age counts from the first time one did.
CREATE TABLE configured_keys (
    kind        text NOT NULL CHECK (kind IN ('kek', 'blind_index', 'mfa', 'audit_signing')),
    fingerprint bytea NOT NULL CHECK (length(fingerprint) = 16),
    version     integer NOT NULL CHECK (version >= 1),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, fingerprint)
);

-- Noting a key again moves its last sighting only: its age cannot be reset.
REVOKE UPDATE ON configured_keys FROM cairn_app;
GRANT UPDATE (last_seen) ON configured_keys TO cairn_app;
