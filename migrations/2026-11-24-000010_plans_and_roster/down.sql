ALTER TABLE patients DROP COLUMN deleted_by;
DROP TABLE treatment_plans;
DROP TABLE diagnoses;
