-- Sign-in finds an account by a keyed index of its email
-- (vault/blind.rs, BlindKey::account_index), never by the email itself, so
-- that a patient's email can be kept sealed. Full length, because it must
-- single out one account; unique per practice, like the email. Rows
-- written before get theirs when the server starts
-- (identity::accounts::index_emails); until then sign-in falls back to the
-- email for a row without one.
ALTER TABLE users
    ADD COLUMN email_index bytea CHECK (email_index IS NULL OR octet_length(email_index) = 32);
CREATE UNIQUE INDEX users_organization_email_index_key ON users (organization_id, email_index);
CREATE INDEX users_email_index_idx ON users (email_index);
