ALTER TABLE patients ADD COLUMN insurance_payer_sealed bytea, ADD COLUMN insurance_member_id_sealed bytea;
DROP TABLE insurance_policies;
