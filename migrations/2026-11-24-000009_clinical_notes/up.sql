-- Clinical records, part one: who is on each patient's care team, and the
-- notes therapists write. Health information is sealed by the vault with
-- the patient's own data key, like the patients table; what stays plain is
-- what lists and the policy need (ids, status, dates, versions), none of
-- which names a person without the vault.

-- The care team: the therapists who may open a patient's chart.
-- Administrators assign; a therapist who adds a patient joins their team.
CREATE TABLE care_team (
    patient_id      uuid NOT NULL REFERENCES patients (id),
    therapist_id    uuid NOT NULL REFERENCES users (id),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    added_by        uuid NOT NULL REFERENCES users (id),
    added_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (patient_id, therapist_id)
);

CREATE INDEX care_team_therapist_idx ON care_team (therapist_id, patient_id);

-- Notes. A progress note belongs to the chart; a psychotherapy note is the
-- author's own (HIPAA keeps them apart) unless the author shares it with
-- the care team. A draft is edited in place, each save naming the version
-- it started from; signing locks it, and corrections are addenda.
CREATE TABLE clinical_notes (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    patient_id       uuid NOT NULL REFERENCES patients (id),
    author_id        uuid NOT NULL REFERENCES users (id),
    kind             text NOT NULL CHECK (kind IN ('progress', 'psychotherapy')),
    template         text NOT NULL CHECK (template IN ('soap', 'dap')),
    -- The day of the session the note is about. Kept plain so a chart can
    -- list and sort its notes without opening them; like every column here
    -- it names no one without the vault.
    session_date     date NOT NULL,
    -- The note's sections, sealed as one value.
    body_sealed      bytea NOT NULL,
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
    version          integer NOT NULL DEFAULT 1 CHECK (version > 0),
    shared_with_team boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    signed_at        timestamptz,
    deleted_at       timestamptz,
    CONSTRAINT clinical_notes_signed_has_time CHECK ((status = 'signed') = (signed_at IS NOT NULL)),
    CONSTRAINT clinical_notes_progress_not_shared CHECK (kind = 'psychotherapy' OR NOT shared_with_team)
);

CREATE INDEX clinical_notes_patient_idx ON clinical_notes (patient_id, session_date DESC)
    WHERE deleted_at IS NULL;

CREATE TRIGGER clinical_notes_updated_at BEFORE UPDATE ON clinical_notes
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();

-- A signed note stays as signed: no unsigning, no new date, template, kind
-- or author. (Its sealed body may be re-sealed by a key rotation, which
-- the database cannot tell from an edit; the application never updates a
-- signed body, and the vault binds the body to the row.)
CREATE FUNCTION clinical_notes_signed_is_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'signed' AND (
        NEW.status <> 'signed'
        OR NEW.session_date <> OLD.session_date
        OR NEW.template <> OLD.template
        OR NEW.kind <> OLD.kind
        OR NEW.author_id <> OLD.author_id
        OR NEW.signed_at <> OLD.signed_at
        OR NEW.version <> OLD.version
    ) THEN
        RAISE EXCEPTION 'clinical note % is signed and cannot be changed', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER clinical_notes_signed_locked BEFORE UPDATE ON clinical_notes
    FOR EACH ROW EXECUTE FUNCTION clinical_notes_signed_is_locked();

-- Corrections to a signed note: dated, signed by their author, never
-- edited.
CREATE TABLE note_addenda (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    note_id         uuid NOT NULL REFERENCES clinical_notes (id),
    author_id       uuid NOT NULL REFERENCES users (id),
    body_sealed     bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX note_addenda_note_idx ON note_addenda (note_id, created_at);

-- Retention: clinical rows are never physically removed by the
-- application (soft delete only). The care team may change.
REVOKE DELETE ON patients, clinical_notes, note_addenda FROM cairn_app;

-- Emergency ("break the glass") access: a therapist not on a patient's
-- care team opens the chart for a while, with a reason, after a fresh
-- second factor. Every view during it carries the reason into the trail,
-- and the start raises an alert on the access review. Kept as history: the
-- application may neither change nor remove a grant.
CREATE TABLE emergency_access (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    -- The therapist's own justification, as typed; the form asks for the
    -- situation, not clinical detail.
    reason          text NOT NULL CHECK (char_length(reason) BETWEEN 20 AND 500),
    started_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    CONSTRAINT emergency_access_ends_after_start CHECK (expires_at > started_at)
);

CREATE INDEX emergency_access_lookup_idx ON emergency_access (user_id, patient_id, expires_at DESC);

REVOKE UPDATE, DELETE ON emergency_access FROM cairn_app;
