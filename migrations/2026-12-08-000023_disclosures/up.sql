-- Disclosures of a patient's record outside the practice (HIPAA 164.528):
-- recorded by staff, or by Cairn when a copy of the record is made for
-- someone else. The recipient, what was disclosed, the purpose (and
-- whether it was for treatment, payment or operations) and the legal
-- basis are sealed as one value with the patient's key; only the day it
-- happened is plain, so that the six years a patient is owed can be asked
-- of the database. A disclosure is history: never changed, never removed.
CREATE TABLE disclosures (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    disclosed_on    date NOT NULL,
    body_sealed     bytea NOT NULL,
    by_copy         boolean NOT NULL DEFAULT false,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX disclosures_patient ON disclosures (patient_id, disclosed_on DESC);

-- The application re-seals (rotation) and nothing else.
REVOKE DELETE, UPDATE ON disclosures FROM cairn_app;
GRANT UPDATE (body_sealed) ON disclosures TO cairn_app;
