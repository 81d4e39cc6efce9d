-- Clinical records, part two: diagnoses and treatment plans. As with
-- notes, what names or describes a patient's health is sealed with the
-- patient's own data key; what stays plain (ids, status, dates, versions)
-- is what lists need, and names no one without the vault.

-- Diagnoses: an ICD-10 code and its description (sealed as one value),
-- active until resolved. A wrong entry is resolved, not removed.
CREATE TABLE diagnoses (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    body_sealed     bytea NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved')),
    onset_date      date NOT NULL,
    resolved_date   date,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT diagnoses_resolved_has_date CHECK ((status = 'resolved') = (resolved_date IS NOT NULL)),
    CONSTRAINT diagnoses_resolved_after_onset CHECK (resolved_date IS NULL OR resolved_date >= onset_date)
);

CREATE INDEX diagnoses_patient_idx ON diagnoses (patient_id, onset_date DESC);

CREATE TRIGGER diagnoses_updated_at BEFORE UPDATE ON diagnoses
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();

-- The treatment plan: one current plan per patient (goals, objectives,
-- interventions, sealed as one value) and the date it is next reviewed.
-- Edited in place, each save naming the version it started from.
CREATE TABLE treatment_plans (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL UNIQUE REFERENCES patients (id),
    body_sealed     bytea NOT NULL,
    review_date     date NOT NULL,
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER treatment_plans_updated_at BEFORE UPDATE ON treatment_plans
    FOR EACH ROW EXECUTE FUNCTION cairn_set_updated_at();

-- Retention, as for notes: the application never physically removes them.
REVOKE DELETE ON diagnoses, treatment_plans FROM cairn_app;

-- Who removed a patient from the practice's lists (soft delete; the act
-- is also in the audit trail).
ALTER TABLE patients ADD COLUMN deleted_by uuid REFERENCES users (id);
