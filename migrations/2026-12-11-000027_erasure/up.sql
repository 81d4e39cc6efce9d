-- Legal holds, and erasing a record whose retention has ended.
--
-- A legal hold keeps a record past its retention (a subpoena, a claim,
-- an investigation): an administrator places it with a reason and lifts
-- it with another, both sealed with the patient's key. At most one hold
-- is in force per patient; a lifted one stays as history.
CREATE TABLE legal_holds (
    id                  uuid PRIMARY KEY,
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    patient_id          uuid NOT NULL REFERENCES patients (id),
    reason_sealed       bytea NOT NULL,
    placed_by           uuid NOT NULL REFERENCES users (id),
    placed_at           timestamptz NOT NULL DEFAULT now(),
    lifted_by           uuid REFERENCES users (id),
    lifted_at           timestamptz,
    lift_reason_sealed  bytea,
    CONSTRAINT legal_holds_lifted_whole
        CHECK (num_nonnulls(lifted_by, lifted_at, lift_reason_sealed) IN (0, 3))
);
CREATE UNIQUE INDEX legal_holds_one_in_force ON legal_holds (patient_id)
    WHERE lifted_at IS NULL;

-- The application places and lifts holds, and re-seals (rotation); it
-- never removes one.
REVOKE DELETE, UPDATE ON legal_holds FROM cairn_app;
GRANT UPDATE (reason_sealed, lifted_by, lifted_at, lift_reason_sealed) ON legal_holds TO cairn_app;

-- What is left of an erased record: its id, its dates and who erased it
-- (nobody named: the operator's command). No health information; the
-- audit trail keeps referring to the id. Written only by the function
-- below.
CREATE TABLE patient_erasures (
    patient_id        uuid PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations (id),
    record_created_at timestamptz NOT NULL,
    last_activity     date NOT NULL,
    kept_until        date NOT NULL,
    erased_at         timestamptz NOT NULL DEFAULT now(),
    erased_by         uuid REFERENCES users (id)
);
CREATE INDEX patient_erasures_practice ON patient_erasures (organization_id, erased_at DESC);
REVOKE ALL ON patient_erasures FROM cairn_app;
GRANT SELECT ON patient_erasures TO cairn_app;

-- Erasure and the retention report find every row of one patient, and
-- removing a patient makes the database check each reference to it:
-- these tables had no index on the patient that serves every row.
CREATE INDEX clinical_notes_patient_all_idx ON clinical_notes (patient_id);
CREATE INDEX note_addenda_patient_idx ON note_addenda (patient_id);
CREATE INDEX measure_assignments_patient_idx ON measure_assignments (patient_id);
CREATE INDEX emergency_access_patient_idx ON emergency_access (patient_id);
CREATE INDEX legal_holds_patient_idx ON legal_holds (patient_id);

-- Erases one patient, whole, in the caller's transaction: their data keys
-- are destroyed (recorded in data_key_destructions, as a rotation's are),
-- so every value they sealed is noise wherever a copy of it lies; then
-- every row about them goes (with the blind indexes in them) and their
-- portal account with its sessions; a tombstone is left. The
-- application's role deletes none of these tables itself: this function
-- runs with its owner's rights, and refuses a patient of another practice,
-- a record under a legal hold, a record whose retention (as the
-- application computed it from sealed dates) has not ended, and a patient
-- erased already. A table added later that refers to patients makes the
-- final DELETE fail until it is listed here, so erasure never leaves part
-- of a record behind; a test scans the catalogue for the rest.
--
-- Answers the ids of the keys destroyed, for the caller's caches.
CREATE FUNCTION cairn_erase_patient(patient uuid, organization uuid, erased_by uuid,
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
    DELETE FROM public.patients WHERE id = patient;
    -- The portal account, with its sessions, invitations, two-step and
    -- security events (they cascade).
    DELETE FROM public.users WHERE id = gone.user_id AND role = 'patient';

    INSERT INTO public.patient_erasures
        (patient_id, organization_id, record_created_at, last_activity, kept_until, erased_by)
        VALUES (patient, organization, gone.created_at, last_activity, kept_until, erased_by);
END
$$;
REVOKE ALL ON FUNCTION cairn_erase_patient(uuid, uuid, uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cairn_erase_patient(uuid, uuid, uuid, date, date) TO cairn_app;
