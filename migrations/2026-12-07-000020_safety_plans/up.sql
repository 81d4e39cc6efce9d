-- A patient's safety plan (the Stanley-Brown structure: warning signs,
-- coping, people and places, people to ask, professionals and crisis
-- lines, a safer environment, reasons for living), sealed as one value
-- with the patient's key. One current plan per patient, edited in place,
-- each save naming the version it started from, like the treatment plan.
CREATE TABLE safety_plans (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL UNIQUE REFERENCES patients (id),
    body_sealed     bytea NOT NULL,
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER safety_plans_updated_at BEFORE UPDATE ON safety_plans
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();

-- Kept like the rest of the record: the application never removes one,
-- and a save changes only the plan, who saved it and its version, never
-- whose plan it is.
REVOKE DELETE, UPDATE ON safety_plans FROM cairn_app;
GRANT UPDATE (body_sealed, version, updated_by, updated_at) ON safety_plans TO cairn_app;
