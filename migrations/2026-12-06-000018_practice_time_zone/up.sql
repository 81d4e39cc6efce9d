-- The practice's time zone (an IANA name such as America/Chicago): pages
-- show times and group days in it. UTC until an administrator sets it;
-- the application checks a name against its own zone database and
-- PostgreSQL's before writing it, so both can read every stored name.
ALTER TABLE organizations
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
        CONSTRAINT organizations_time_zone_named CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
