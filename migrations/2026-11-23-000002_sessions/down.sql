ALTER TABLE users
    DROP COLUMN failed_sign_ins,
    DROP COLUMN locked_until;
DROP TABLE sessions;
