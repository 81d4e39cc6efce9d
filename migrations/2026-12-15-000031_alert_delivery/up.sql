-- Alerts kept as they are found, so listing them reads a few rows instead
-- of re-reading the last 30 days of the trail on every page load.
--
-- A background task (`audit::alerts::watch`) reads the trail in id order,
-- keeping its place in `alert_watch`, and carries each rule's episodes
-- forward: a run of events with one key (an address, an account, a person,
-- a person and a chart) none further than the rule's window from the one
-- before. An episode that reaches its rule's threshold is raised: it is an
-- alert, named by its kind and first event as before, so reviews made
-- before this migration still apply.
CREATE TABLE alert_episodes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    kind            text NOT NULL CHECK (char_length(kind) <= 40),
    episode_key     text NOT NULL CHECK (char_length(episode_key) <= 200),
    first_event_id  bigint NOT NULL,
    first_at        timestamptz NOT NULL,
    last_event_id   bigint NOT NULL,
    last_at         timestamptz NOT NULL,
    events          bigint NOT NULL CHECK (events >= 1),
    peak            bigint NOT NULL CHECK (peak >= 1),
    -- Distinct patients over the episode, for the rule that counts them.
    patient_ids     uuid[] NOT NULL DEFAULT '{}',
    -- The first event's who and where, which the alert's words name.
    actor_id        uuid,
    patient_id      uuid,
    subject_user_id uuid,
    client_ip       text,
    resource_id     text,
    -- Set when the episode reached its threshold: from then on an alert.
    raised_at       timestamptz,
    UNIQUE (organization_id, kind, episode_key, first_event_id)
);
CREATE INDEX alert_episodes_latest_idx
    ON alert_episodes (organization_id, kind, episode_key, last_at DESC);
CREATE INDEX alert_episodes_raised_idx
    ON alert_episodes (organization_id, last_at DESC) WHERE raised_at IS NOT NULL;
CREATE INDEX alert_episodes_quiet_idx
    ON alert_episodes (last_at) WHERE raised_at IS NULL;

-- Where the watcher is in the trail (one row). Events are read past
-- `through_event_id`; failed verifications past `through_verification_id`.
CREATE TABLE alert_watch (
    only_row                boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    through_event_id        bigint NOT NULL DEFAULT 0,
    through_verification_id bigint NOT NULL DEFAULT 0
);
INSERT INTO alert_watch DEFAULT VALUES;
REVOKE INSERT ON alert_watch FROM cairn_app;

-- Ids the watcher passed over that no committed event held yet: an append
-- whose transaction was still open (the trail has several lanes, so ids
-- commit out of order) or one that rolled back. Each pass reads those
-- that have appeared; one still missing after ten minutes rolled back.
CREATE TABLE alert_watch_gaps (
    event_id bigint PRIMARY KEY,
    noted_at timestamptz NOT NULL DEFAULT now()
);

-- Each raised alert's messages: one email per administrator of the
-- practice and one webhook call, when those are configured. Sent by the
-- watcher's task, retried with backoff until delivered or given up.
CREATE TABLE alert_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    episode_id      uuid NOT NULL REFERENCES alert_episodes (id),
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient_id    uuid REFERENCES users (id),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    -- Why the last attempt failed, in Cairn's words (never a response body).
    last_error      text CHECK (char_length(last_error) <= 200),
    CHECK ((channel = 'email') = (recipient_id IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (episode_id, channel, recipient_id)
);
CREATE INDEX alert_deliveries_due_idx
    ON alert_deliveries (next_attempt_at) WHERE delivered_at IS NULL;

-- Episodes that never reached a threshold are scratch: the watcher removes
-- them once their window has passed. Passed-over ids are removed when they
-- appear or expire. Nothing else here is deleted.
GRANT DELETE ON alert_episodes, alert_watch_gaps TO cairn_app;
-- A raised alert's identity and first event never change.
REVOKE UPDATE ON alert_episodes FROM cairn_app;
GRANT UPDATE (last_event_id, last_at, events, peak, patient_ids, raised_at)
    ON alert_episodes TO cairn_app;
REVOKE UPDATE ON alert_deliveries FROM cairn_app;
GRANT UPDATE (attempts, next_attempt_at, delivered_at, last_error)
    ON alert_deliveries TO cairn_app;
