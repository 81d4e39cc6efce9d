ALTER TABLE organizations DROP COLUMN retention_years, DROP COLUMN age_of_majority;
