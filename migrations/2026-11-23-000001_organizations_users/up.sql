-- Tenancy and accounts. Nothing here is clinical: patients' clinical
-- identity (legal name, date of birth, contact) lives in vault-sealed tables.

-- Keeps updated_at honest without every query having to remember it.
CREATE FUNCTION cairn_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    -- Stable, URL-safe handle for the practice.
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();

CREATE TABLE users (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    email            text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
    display_name     text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
    role             text NOT NULL CHECK (role IN ('admin', 'therapist', 'patient')),
    status           text NOT NULL DEFAULT 'invited'
                     CHECK (status IN ('invited', 'active', 'locked', 'deactivated')),
    -- argon2id PHC string; NULL until an invited user sets a password.
    password_hash    text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- An active account can always sign in: it must have a password.
    CONSTRAINT users_active_has_password CHECK (status <> 'active' OR password_hash IS NOT NULL)
);

-- Emails are unique per organization, compared case-insensitively.
CREATE UNIQUE INDEX users_organization_email_key ON users (organization_id, lower(email));
-- Sign-in looks accounts up by email before it knows the organization.
CREATE INDEX users_email_idx ON users (lower(email));
CREATE INDEX users_organization_role_idx ON users (organization_id, role);

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();
