-- Amendments a patient asks for (HIPAA 164.526): a correction of one item
-- of their record (their details, a diagnosis, the treatment plan, a
-- signed note), in their words. Which item, when it was asked, when it is
-- due (60 days, once extended by 30 with a reason) and how it was decided
-- are plain, so a clinician's home can list what waits without opening a
-- record; the patient's words, the extension's reason, the decision's text
-- and the patient's statement of disagreement are sealed with the
-- patient's key, one value each.
CREATE TABLE amendments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    patient_id          uuid NOT NULL REFERENCES patients (id),
    item_kind           text NOT NULL CHECK (item_kind IN ('details', 'diagnosis', 'plan', 'note')),
    item_id             uuid NOT NULL,
    request_sealed      bytea NOT NULL,
    requested_at        timestamptz NOT NULL DEFAULT now(),
    due_on              date NOT NULL,
    extended_on         date,
    extension_sealed    bytea,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'denied')),
    decided_by          uuid REFERENCES users (id),
    decided_at          timestamptz,
    decision_sealed     bytea,
    -- An accepted amendment of a signed note is an addendum to it.
    addendum_id         uuid REFERENCES note_addenda (id),
    disagreement_at     timestamptz,
    disagreement_sealed bytea,
    CHECK ((extended_on IS NULL) = (extension_sealed IS NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((decided_at IS NULL) = (decision_sealed IS NULL) AND (decided_at IS NULL) = (decided_by IS NULL)),
    CHECK ((disagreement_at IS NULL) = (disagreement_sealed IS NULL)),
    CHECK (disagreement_at IS NULL OR status = 'denied')
);

CREATE INDEX amendments_patient ON amendments (patient_id, requested_at DESC);
CREATE INDEX amendments_pending ON amendments (patient_id, due_on) WHERE status = 'pending';

-- The application moves a request forward (extends it, decides it, adds
-- the patient's disagreement) and re-seals (rotation); it never removes
-- one. What has been decided, extended or disagreed with stays so: the
-- trigger refuses any change to it but a re-sealing of the same value.
REVOKE DELETE, UPDATE ON amendments FROM cairn_app;
GRANT UPDATE (request_sealed, due_on, extended_on, extension_sealed, status, decided_by,
              decided_at, decision_sealed, addendum_id, disagreement_at, disagreement_sealed)
    ON amendments TO cairn_app;

CREATE FUNCTION amendments_move_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.patient_id <> OLD.patient_id OR NEW.item_kind <> OLD.item_kind
       OR NEW.item_id <> OLD.item_id OR NEW.requested_at <> OLD.requested_at THEN
        RAISE EXCEPTION 'an amendment request names its item once';
    END IF;
    IF OLD.status <> 'pending' AND (NEW.status, NEW.decided_by, NEW.decided_at, NEW.addendum_id, NEW.due_on)
        IS DISTINCT FROM (OLD.status, OLD.decided_by, OLD.decided_at, OLD.addendum_id, OLD.due_on) THEN
        RAISE EXCEPTION 'an amendment request is decided once';
    END IF;
    IF OLD.extended_on IS NOT NULL AND (NEW.extended_on, NEW.due_on)
        IS DISTINCT FROM (OLD.extended_on, OLD.due_on) THEN
        RAISE EXCEPTION 'an amendment request is extended once';
    END IF;
    IF OLD.disagreement_at IS NOT NULL AND NEW.disagreement_at IS DISTINCT FROM OLD.disagreement_at THEN
        RAISE EXCEPTION 'a statement of disagreement is filed once';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER amendments_move_forward BEFORE UPDATE ON amendments
    FOR EACH ROW EXECUTE FUNCTION amendments_move_forward();
