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
    DELETE FROM public.patients WHERE id = patient;
    -- The portal account, with its sessions, invitations, two-step and
    -- security events (they cascade).
    DELETE FROM public.users WHERE id = gone.user_id AND role = 'patient';

    INSERT INTO public.patient_erasures
        (patient_id, organization_id, record_created_at, last_activity, kept_until, erased_by)
        VALUES (patient, organization, gone.created_at, last_activity, kept_until, erased_by);
END
$$;

ALTER TABLE clinical_notes DROP COLUMN sud_counseling;
DROP TABLE erasure_requests;
DROP TABLE consents;
DROP TABLE consent_templates;
