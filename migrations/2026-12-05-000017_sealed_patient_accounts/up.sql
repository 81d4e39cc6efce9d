-- A patient's portal account keeps its name and email sealed
-- (identity/account_identity.rs): that someone is a patient of the
-- practice is itself protected. Staff accounts keep theirs readable.
--
-- Each value is in exactly one form, readable or sealed, never both and
-- never neither. The practice's data key seals them (a portal account need
-- not have a record yet), bound to this table, column and row. Rows
-- written before are sealed when the server starts
-- (account_identity::seal_existing); until then they read as before.
ALTER TABLE users
    ALTER COLUMN email DROP NOT NULL,
    ALTER COLUMN display_name DROP NOT NULL,
    ADD COLUMN email_sealed bytea,
    ADD COLUMN display_name_sealed bytea,
    ADD CONSTRAINT users_email_one_form CHECK (num_nonnulls(email, email_sealed) = 1),
    ADD CONSTRAINT users_display_name_one_form
        CHECK (num_nonnulls(display_name, display_name_sealed) = 1),
    -- Only a patient's are sealed; a sealed email is found by its index.
    ADD CONSTRAINT users_sealed_only_patients
        CHECK ((email_sealed IS NULL AND display_name_sealed IS NULL)
               OR (role = 'patient' AND email_index IS NOT NULL));
