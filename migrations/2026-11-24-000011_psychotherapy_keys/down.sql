-- Only while no psychotherapy key exists: dropping the column would lose
-- which key seals what.
DROP INDEX data_keys_patient_current_idx;
CREATE UNIQUE INDEX data_keys_patient_current_idx ON data_keys (patient_id)
    WHERE retired_at IS NULL AND patient_id IS NOT NULL;
ALTER TABLE data_keys DROP CONSTRAINT data_keys_psychotherapy_is_a_patients;
ALTER TABLE data_keys DROP COLUMN purpose;
