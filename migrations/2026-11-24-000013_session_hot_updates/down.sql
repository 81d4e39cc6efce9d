ALTER TABLE sessions RESET (fillfactor);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
