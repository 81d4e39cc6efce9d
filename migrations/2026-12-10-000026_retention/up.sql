-- How long the practice keeps a record after the last activity in it, and
-- the age of majority: a minor's record is kept until they reach it, and
-- the period counts from then if that is later. The retention report and
-- erasure read both; administrators set them on the Practice page.
ALTER TABLE organizations
    ADD COLUMN retention_years integer NOT NULL DEFAULT 7
        CHECK (retention_years BETWEEN 1 AND 100),
    ADD COLUMN age_of_majority integer NOT NULL DEFAULT 18
        CHECK (age_of_majority BETWEEN 14 AND 25);
