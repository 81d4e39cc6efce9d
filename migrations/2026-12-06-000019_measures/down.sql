ALTER TABLE organizations DROP COLUMN patients_see_scores, DROP COLUMN crisis_resources;
DROP TABLE measure_responses;
DROP TABLE measure_assignments;
