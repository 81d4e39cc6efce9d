-- Measurement-based care: questionnaires (PHQ-9, GAD-7) a therapist
-- assigns, the patient answers in the portal, and the server scores.
--
-- As elsewhere in the record, what says anything about the patient's
-- health is sealed with the patient's data key: the answers with their
-- score, and a clinician's note on acknowledging a safety item. What stays
-- plain is what lists and schedules need: which instrument, when it is
-- due, when it was submitted, and whether a clinician still has to look
-- at it (the caseload and the home find those without opening every
-- response; the reason is only in the sealed answers).

CREATE TABLE measure_assignments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    instrument      text NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    schedule        text NOT NULL CHECK (schedule IN ('once', 'weekly', 'fortnightly', 'monthly')),
    first_due       date NOT NULL,
    assigned_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    stopped_at      timestamptz,
    stopped_by      uuid REFERENCES users (id),
    CONSTRAINT measure_assignments_stopped_by_someone CHECK ((stopped_at IS NULL) = (stopped_by IS NULL))
);

-- One active assignment of an instrument per patient.
CREATE UNIQUE INDEX measure_assignments_active_idx
    ON measure_assignments (patient_id, instrument) WHERE stopped_at IS NULL;

-- One response per due date of an assignment: a draft until submitted,
-- then fixed. A clinician acknowledges one that needs review.
CREATE TABLE measure_responses (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id        uuid NOT NULL REFERENCES organizations (id),
    patient_id             uuid NOT NULL REFERENCES patients (id),
    assignment_id          uuid NOT NULL REFERENCES measure_assignments (id),
    due_on                 date NOT NULL,
    answers_sealed         bytea NOT NULL,
    saved_at               timestamptz NOT NULL DEFAULT now(),
    submitted_at           timestamptz,
    needs_review           boolean NOT NULL DEFAULT false,
    acknowledged_at        timestamptz,
    acknowledged_by        uuid REFERENCES users (id),
    acknowledgement_sealed bytea,
    notified_at            timestamptz,
    UNIQUE (assignment_id, due_on),
    CONSTRAINT measure_responses_review_after_submission CHECK (NOT needs_review OR submitted_at IS NOT NULL),
    CONSTRAINT measure_responses_acknowledged_by_someone CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);

CREATE INDEX measure_responses_patient_idx ON measure_responses (patient_id, submitted_at);
CREATE INDEX measure_responses_to_review_idx ON measure_responses (patient_id)
    WHERE needs_review AND acknowledged_at IS NULL;

-- Retention, as for the rest of the record: never removed. And what was
-- assigned, to whom and for which day, never changes: the application may
-- only stop an assignment, and fill in, send, acknowledge and re-seal a
-- response.
REVOKE DELETE, UPDATE ON measure_assignments, measure_responses FROM cairn_app;
GRANT UPDATE (stopped_at, stopped_by) ON measure_assignments TO cairn_app;
GRANT UPDATE (answers_sealed, saved_at, submitted_at, needs_review, acknowledged_at,
              acknowledged_by, acknowledgement_sealed, notified_at)
    ON measure_responses TO cairn_app;

-- What a patient sees when they answer a safety item (the practice's
-- emergency contact and the crisis lines where it is), and whether
-- patients see their own scores in the portal.
ALTER TABLE organizations
    ADD COLUMN crisis_resources text,
    ADD COLUMN patients_see_scores boolean NOT NULL DEFAULT true;
