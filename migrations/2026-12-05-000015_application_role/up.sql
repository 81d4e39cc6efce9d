-- The application's role, cairn_app, is what `serve` and the commands
-- connect as; the tables' owner runs these migrations and nothing else.
-- What the application may do is listed here and checked at start in
-- production (app/src/backend/db/privileges.rs), so a role with more
-- rights is refused rather than trusted.

-- Rows the application removes: sessions, two-step enrollments and
-- recovery codes, and care-team memberships. Nothing else is ever
-- deleted by it: practices, accounts, invitations, security events,
-- alert reviews and data keys stay (a data key is destroyed only through
-- the function below, which records it). The clinical tables and the
-- trail were narrowed already (migrations 6, 9 and 10).
REVOKE DELETE ON organizations, users, invitations, security_events,
    audit_alert_reviews, data_keys FROM cairn_app;
-- A table added later gets no DELETE unless its migration grants it and
-- privileges.rs lists it.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE DELETE ON TABLES FROM cairn_app;

-- A data key's id is taken before its row is written: the wrapped key is
-- bound to it.
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO cairn_app',
                   pg_get_serial_sequence('data_keys', 'id'));
END
$$;

-- Every data key ever destroyed, by whom and when: written only by the
-- function below, never changed. Whoever erased a patient's data, or
-- finished a rotation, left this row.
CREATE TABLE data_key_destructions (
    key_id          integer PRIMARY KEY,
    organization_id uuid NOT NULL,
    patient_id      uuid,
    purpose         text NOT NULL,
    created_at      timestamptz NOT NULL,
    retired_at      timestamptz NOT NULL,
    destroyed_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_by    text NOT NULL DEFAULT session_user
);
REVOKE ALL ON data_key_destructions FROM cairn_app;
GRANT SELECT ON data_key_destructions TO cairn_app;

-- The one way a data key leaves the database: a retired key (a rotation
-- has made its successor), deleted and recorded in one statement. It runs
-- with its owner's rights (SECURITY DEFINER), so the application's role
-- needs no DELETE on data_keys; its search path is fixed so a caller's
-- objects cannot stand in for the tables.
CREATE FUNCTION cairn_destroy_retired_data_key(key integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    gone public.data_keys%ROWTYPE;
BEGIN
    DELETE FROM public.data_keys
        WHERE id = key AND retired_at IS NOT NULL
        RETURNING * INTO gone;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data key % is not a retired key; only a retired key may be destroyed', key
            USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO public.data_key_destructions
        (key_id, organization_id, patient_id, purpose, created_at, retired_at)
        VALUES (gone.id, gone.organization_id, gone.patient_id, gone.purpose,
                gone.created_at, gone.retired_at);
END
$$;
REVOKE ALL ON FUNCTION cairn_destroy_retired_data_key(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cairn_destroy_retired_data_key(integer) TO cairn_app;
