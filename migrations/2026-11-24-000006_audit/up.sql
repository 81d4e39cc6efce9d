-- The audit trail: append-only and tamper-evident.
--
-- Every event links to the one before it (one chain for the whole
-- database, ordered by id): hash = SHA-256 over a versioned, canonical
-- encoding of the event and prev_hash (app/src/backend/audit/chain.rs).
-- Writers take a transaction-scoped advisory lock before reading the head,
-- so concurrent writers never fork the chain; `cairn audit verify`
-- recomputes it.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    -- Who: NULL for anonymous attempts (then subject_user_id names the
    -- account that was tried, when there is one).
    organization_id uuid,
    actor_id        uuid,
    actor_role      text CHECK (actor_role IN ('admin', 'therapist', 'patient')),
    -- From where. The session id is kept only as a hash.
    client_ip       text CHECK (char_length(client_ip) <= 64),
    user_agent      text CHECK (char_length(user_agent) <= 300),
    session_hash    text CHECK (char_length(session_hash) = 64),
    request_id      text CHECK (char_length(request_id) <= 100),
    -- What, on what, and how it ended.
    action          text NOT NULL CHECK (char_length(action) <= 60),
    resource_type   text CHECK (char_length(resource_type) <= 60),
    resource_id     text CHECK (char_length(resource_id) <= 100),
    patient_id      uuid,
    subject_user_id uuid,
    outcome         text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'error')),
    reason          text CHECK (char_length(reason) <= 500),
    -- Structured detail: string keys and string values only (no PHI).
    details         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    prev_hash       bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash            bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32)
);

-- No foreign keys on purpose: the trail outlives what it speaks of, and a
-- row must never block (or cascade from) a change elsewhere.
CREATE INDEX audit_events_org_time_idx ON audit_events (organization_id, occurred_at DESC, id DESC);
-- The access log pages newest first by (occurred_at, id); the common
-- filters each have an index in that order, so a page deep in the past
-- costs what the first one does.
CREATE INDEX audit_events_org_action_time_idx ON audit_events (organization_id, action, occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_patient_idx ON audit_events (patient_id, id DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_subject_idx ON audit_events (subject_user_id, id DESC) WHERE subject_user_id IS NOT NULL;

-- Append-only for everyone, owners and superusers included: changing or
-- removing a row means first disabling this trigger, which is itself a
-- visible act (and `cairn audit verify` still catches the result).
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Results of `cairn audit verify` (and the dashboard's "verify now"), for
-- the dashboard to show the last one.
CREATE TABLE audit_verifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    verified_at  timestamptz NOT NULL DEFAULT now(),
    events       bigint NOT NULL CHECK (events >= 0),
    ok           boolean NOT NULL,
    -- The first problem found, in words (ids and what differs; no content).
    problem      text CHECK (char_length(problem) <= 1000),
    head_id      bigint
);

-- The role the application runs as in production (see README): it may
-- read and append to the trail, never change or remove it. Roles belong to
-- the whole PostgreSQL cluster, so it is created only if missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cairn_app') THEN
        CREATE ROLE cairn_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO cairn_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    organizations, users, sessions, invitations, security_events,
    mfa_factors, mfa_enrollments, recovery_codes
    TO cairn_app;
GRANT SELECT, INSERT ON audit_events, audit_verifications TO cairn_app;
-- Tables later migrations create get the ordinary rights without anyone
-- having to remember; a table that must be append-only narrows them there.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cairn_app;
