-- Corrections of a patient's legal name or date of birth by the practice:
-- who corrected it and when, plain; why, and the values it replaced,
-- sealed with the patient's key as one value. The trail names the row and
-- never a value. Corrections are history: never changed, never removed.
CREATE TABLE identity_corrections (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    body_sealed     bytea NOT NULL,
    corrected_by    uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX identity_corrections_patient ON identity_corrections (patient_id);

-- The application re-seals (rotation) and nothing else.
REVOKE DELETE, UPDATE ON identity_corrections FROM cairn_app;
GRANT UPDATE (body_sealed) ON identity_corrections TO cairn_app;
