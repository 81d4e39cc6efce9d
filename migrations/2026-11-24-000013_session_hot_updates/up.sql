-- Every request moves its session's idle deadline (`expires_at`,
-- `last_seen_at`). With an index on `expires_at` each of those updates was
-- a new tuple in every index of the table; under load the primary key
-- lookup of the next request walked an ever longer run of dead entries for
-- the same session. Without it, the update changes no indexed column and
-- PostgreSQL does it in place on the page (a HOT update), provided the page
-- has room: hence the fill factor.
--
-- The index served only the once-a-minute sweep, which now reads the table
-- (one row per live session; small).
DROP INDEX sessions_expires_idx;
ALTER TABLE sessions SET (fillfactor = 70);
