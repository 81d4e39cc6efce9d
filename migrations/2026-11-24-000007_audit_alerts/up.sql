-- Alerts are computed from the trail each time they are shown
-- (app/src/backend/audit/alerts.rs); only an administrator's review of one
-- is kept. An alert is named by its kind and the first event of its
-- episode; the review covers the events up to `through_event_id`, so
-- activity that joins the episode afterwards opens the alert again.
CREATE TABLE audit_alert_reviews (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    alert_key        text NOT NULL CHECK (char_length(alert_key) <= 100),
    through_event_id bigint NOT NULL CHECK (through_event_id > 0),
    reviewed_by      uuid NOT NULL REFERENCES users (id),
    reviewed_at      timestamptz NOT NULL DEFAULT now(),
    -- What the reviewer found, in their words (optional).
    note             text CHECK (char_length(note) <= 500),
    PRIMARY KEY (organization_id, alert_key)
);
