-- Psychotherapy notes get a data key of their own per patient. HIPAA
-- keeps them apart from the record: an access to the chart opens the
-- record's key and never this one, and the two rotate (and can be
-- destroyed) apart. Existing keys are the record's.
ALTER TABLE data_keys
    ADD COLUMN purpose text NOT NULL DEFAULT 'record'
        CHECK (purpose IN ('record', 'psychotherapy'));

-- A practice key seals no one's psychotherapy notes.
ALTER TABLE data_keys
    ADD CONSTRAINT data_keys_psychotherapy_is_a_patients
        CHECK (purpose = 'record' OR patient_id IS NOT NULL);

-- At most one key in use per patient and purpose.
DROP INDEX data_keys_patient_current_idx;
CREATE UNIQUE INDEX data_keys_patient_current_idx ON data_keys (patient_id, purpose)
    WHERE retired_at IS NULL AND patient_id IS NOT NULL;
