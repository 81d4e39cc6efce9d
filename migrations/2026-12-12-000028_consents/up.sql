-- Consents: the practice's forms (consent to treatment, telehealth, a
-- release of information, consent to disclose substance-use counseling
-- records under 42 CFR Part 2), each version kept as it was; and what
-- each patient signed, in the portal or on paper.
--
-- A form's text is the practice's, not health information: plain. Each
-- version is never changed; a new version retires the one it replaces,
-- and every signature keeps the hash of the exact text it was given.
CREATE TABLE consent_templates (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    -- The first version's id: what the versions of one form share.
    series          uuid NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    kind            text NOT NULL
        CHECK (kind IN ('treatment', 'telehealth', 'release', 'sud-disclosure', 'other')),
    title           text NOT NULL,
    body            text NOT NULL,
    body_sha256     bytea NOT NULL CHECK (length(body_sha256) = 32),
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    retired_at      timestamptz,
    UNIQUE (series, version)
);
CREATE UNIQUE INDEX consent_templates_one_current ON consent_templates (series)
    WHERE retired_at IS NULL;
CREATE INDEX consent_templates_practice ON consent_templates (organization_id, created_at);

-- The application adds versions and retires them; it never edits a text.
REVOKE DELETE, UPDATE ON consent_templates FROM cairn_app;
GRANT UPDATE (retired_at) ON consent_templates TO cairn_app;

-- A consent a patient gave. Who signed and how (the typed name, for a
-- release its recipient, what and why, a note on a paper one) is sealed
-- with the patient's key. The text's hash, the time, the expiry and the
-- revocation are plain: they are what is checked, and say nothing of the
-- patient's health by themselves.
CREATE TABLE consents (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    template_id     uuid NOT NULL REFERENCES consent_templates (id),
    text_sha256     bytea NOT NULL CHECK (length(text_sha256) = 32),
    signed_at       timestamptz NOT NULL,
    method          text NOT NULL CHECK (method IN ('portal', 'paper')),
    -- The patient, signing in the portal; the staff member who recorded
    -- a paper one.
    recorded_by     uuid NOT NULL REFERENCES users (id),
    body_sealed     bytea NOT NULL,
    expires_on      date,
    revoked_at      timestamptz,
    revoked_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_revoked_whole CHECK (num_nonnulls(revoked_at, revoked_by) IN (0, 2))
);
CREATE INDEX consents_patient ON consents (patient_id, signed_at DESC);
CREATE INDEX consents_expiring ON consents (organization_id, expires_on)
    WHERE revoked_at IS NULL AND expires_on IS NOT NULL;

-- Signed is signed: the application records a revocation and re-seals
-- (rotation), nothing else.
REVOKE DELETE, UPDATE ON consents FROM cairn_app;
GRANT UPDATE (body_sealed, revoked_at, revoked_by) ON consents TO cairn_app;

-- A note of substance-use disorder counseling (42 CFR Part 2): it leaves
-- the practice only under a consent of its own.
ALTER TABLE clinical_notes ADD COLUMN sud_counseling boolean NOT NULL DEFAULT false;

-- A patient's request to have their record erased before the end of its
-- retention: answered at once with the day erasure becomes possible (and
-- whether a legal hold keeps it), and listed for the practice. Dates
-- only; asking is no activity of the record.
CREATE TABLE erasure_requests (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    requested_at    timestamptz NOT NULL,
    possible_on     date NOT NULL,
    held            boolean NOT NULL
);
CREATE INDEX erasure_requests_patient ON erasure_requests (patient_id, requested_at DESC);
CREATE INDEX erasure_requests_practice ON erasure_requests (organization_id, requested_at DESC);
REVOKE DELETE, UPDATE ON erasure_requests FROM cairn_app;

-- Erasure removes a patient's consents and requests with the rest of
-- their record.
CREATE OR REPLACE FUNCTION cairn_erase_patient(patient uuid, organization uuid, erased_by uuid,
                                    last_activity date, kept_until date)
RETURNS SETOF integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    gone public.patients%ROWTYPE;
BEGIN
    SELECT * INTO gone FROM public.patients
        WHERE id = patient AND organization_id = organization FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no patient % in practice %', patient, organization
            USING ERRCODE = 'P0002';
    END IF;
    IF EXISTS (SELECT 1 FROM public.legal_holds h
               WHERE h.patient_id = patient AND h.lifted_at IS NULL) THEN
        RAISE EXCEPTION 'patient % is under a legal hold', patient USING ERRCODE = 'P0001';
    END IF;
    -- The application's day is the practice's, which may be a day ahead
    -- of the database's.
    IF kept_until > current_date + 1 THEN
        RAISE EXCEPTION 'patient % is kept until %', patient, kept_until USING ERRCODE = 'P0001';
    END IF;

    RETURN QUERY
    WITH destroyed AS (
        DELETE FROM public.data_keys k WHERE k.patient_id = patient RETURNING k.*
    ), noted AS (
        INSERT INTO public.data_key_destructions
            (key_id, organization_id, patient_id, purpose, created_at, retired_at)
        SELECT d.id, d.organization_id, d.patient_id, d.purpose, d.created_at,
               coalesce(d.retired_at, now())
        FROM destroyed d
        RETURNING key_id
    )
    SELECT key_id FROM noted;

    DELETE FROM public.amendments WHERE patient_id = patient;
    DELETE FROM public.note_addenda WHERE patient_id = patient;
    DELETE FROM public.clinical_notes WHERE patient_id = patient;
    DELETE FROM public.measure_responses WHERE patient_id = patient;
    DELETE FROM public.measure_assignments WHERE patient_id = patient;
    DELETE FROM public.diagnoses WHERE patient_id = patient;
    DELETE FROM public.treatment_plans WHERE patient_id = patient;
    DELETE FROM public.safety_plans WHERE patient_id = patient;
    DELETE FROM public.insurance_policies WHERE patient_id = patient;
    DELETE FROM public.disclosures WHERE patient_id = patient;
    DELETE FROM public.identity_corrections WHERE patient_id = patient;
    DELETE FROM public.emergency_access WHERE patient_id = patient;
    DELETE FROM public.care_team WHERE patient_id = patient;
    DELETE FROM public.legal_holds WHERE patient_id = patient;
    DELETE FROM public.consents WHERE patient_id = patient;
    DELETE FROM public.erasure_requests WHERE patient_id = patient;
    DELETE FROM public.patients WHERE id = patient;
    -- The portal account, with its sessions, invitations, two-step and
    -- security events (they cascade).
    DELETE FROM public.users WHERE id = gone.user_id AND role = 'patient';

    INSERT INTO public.patient_erasures
        (patient_id, organization_id, record_created_at, last_activity, kept_until, erased_by)
        VALUES (patient, organization, gone.created_at, last_activity, kept_until, erased_by);
END
$$;
