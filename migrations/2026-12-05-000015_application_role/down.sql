DROP FUNCTION cairn_destroy_retired_data_key(integer);
DROP TABLE data_key_destructions;
DO $$
BEGIN
    EXECUTE format('REVOKE USAGE ON SEQUENCE %s FROM cairn_app',
                   pg_get_serial_sequence('data_keys', 'id'));
END
$$;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT DELETE ON TABLES TO cairn_app;
GRANT DELETE ON organizations, users, invitations, security_events,
    audit_alert_reviews, data_keys TO cairn_app;
