DROP TRIGGER users_active_since ON users;
DROP FUNCTION cairn_set_active_since();
ALTER TABLE users DROP COLUMN active_since, DROP COLUMN last_signed_in_at;
