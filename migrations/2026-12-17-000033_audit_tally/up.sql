-- The trail counted by quarter hour, for the access review's overview
-- (app/src/backend/audit/tally.rs): the alert watcher adds each event it
-- reads, in its pass, so the overview reads counts instead of every event
-- of a month.
CREATE TABLE audit_tally (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    -- The start of a 15-minute span, UTC: every zone's hours are whole
    -- quarters.
    quarter timestamptz NOT NULL,
    action text NOT NULL,
    outcome text NOT NULL,
    -- Only for record views (the most frequent viewers); NULL otherwise.
    actor_id uuid,
    events bigint NOT NULL CHECK (events > 0),
    -- One row per kind and quarter; "no person" is one value, not many.
    CONSTRAINT audit_tally_key UNIQUE NULLS NOT DISTINCT
        (organization_id, quarter, action, outcome, actor_id)
);
-- Forgetting counts past the overview's longest period.
CREATE INDEX audit_tally_quarter_idx ON audit_tally (quarter);

-- The application's role keeps the counts (as with every table) and
-- forgets old ones: they are derived from the trail, which it still
-- cannot change.
GRANT DELETE ON audit_tally TO cairn_app;

-- The events the watcher has already read (of the last 31 days) are
-- counted now; it counts the rest as it reads them.
INSERT INTO audit_tally (organization_id, quarter, action, outcome, actor_id, events)
SELECT organization_id,
       date_bin('15 minutes', occurred_at, timestamptz '1970-01-01 00:00:00+00'),
       action, outcome,
       CASE WHEN action = 'record.viewed' THEN actor_id END,
       count(*)
  FROM audit_events
 WHERE organization_id IS NOT NULL
   AND occurred_at >= now() - interval '31 days'
   AND id <= (SELECT through_event_id FROM alert_watch)
   AND id NOT IN (SELECT event_id FROM alert_watch_gaps)
 GROUP BY 1, 2, 3, 4, 5;
