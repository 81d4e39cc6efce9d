DROP TABLE audit_verifications;
DROP TABLE audit_events;
DROP FUNCTION audit_events_refuse_change();
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM cairn_app;
-- cairn_app is shared by every Cairn database in the cluster: it stays.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM cairn_app;
REVOKE USAGE ON SCHEMA public FROM cairn_app;
