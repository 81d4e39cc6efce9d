-- Going back would lose the sealed names and emails (the database cannot
-- open them), so it refuses while any is sealed.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE email_sealed IS NOT NULL OR display_name_sealed IS NOT NULL) THEN
        RAISE EXCEPTION 'patient accounts hold sealed names; they cannot be unsealed by a migration';
    END IF;
END $$;
ALTER TABLE users
    DROP CONSTRAINT users_sealed_only_patients,
    DROP CONSTRAINT users_display_name_one_form,
    DROP CONSTRAINT users_email_one_form,
    DROP COLUMN display_name_sealed,
    DROP COLUMN email_sealed,
    ALTER COLUMN display_name SET NOT NULL,
    ALTER COLUMN email SET NOT NULL;
