-- A patient's insurance policies: more than one, at most one primary in
-- use. Payer, member and group numbers, subscriber and effective dates are
-- sealed as one value with the patient's key. A policy no longer in use is
-- ended, never removed. The two single insurance columns on patients
-- (migration 8) never held anything and give way to this table.
CREATE TABLE insurance_policies (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    patient_id      uuid NOT NULL REFERENCES patients (id),
    body_sealed     bytea NOT NULL,
    is_primary      boolean NOT NULL DEFAULT false,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    ended_by        uuid REFERENCES users (id),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CHECK (NOT (is_primary AND ended_at IS NOT NULL))
);

CREATE INDEX insurance_policies_patient ON insurance_policies (patient_id);
CREATE UNIQUE INDEX insurance_policies_one_primary ON insurance_policies (patient_id)
    WHERE is_primary;

-- The application re-seals (rotation), moves "primary" and ends a policy;
-- it never removes one or changes whose it is.
REVOKE DELETE, UPDATE ON insurance_policies FROM cairn_app;
GRANT UPDATE (body_sealed, is_primary, ended_at, ended_by) ON insurance_policies TO cairn_app;

ALTER TABLE patients DROP COLUMN insurance_payer_sealed, DROP COLUMN insurance_member_id_sealed;
