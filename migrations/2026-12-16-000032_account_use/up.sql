-- How long each account has gone unused (issue 28, accounts over time):
-- when it last signed in (shown on People), and since when it has been
-- active (so an account reactivated or set up today is not taken as
-- unused for the time before). An account is unused past the configured
-- days after the later of the two.
ALTER TABLE users
    ADD COLUMN last_signed_in_at timestamptz,
    ADD COLUMN active_since timestamptz NOT NULL DEFAULT now();

-- Filling the new columns is not a change of the account.
ALTER TABLE users DISABLE TRIGGER users_updated_at;
UPDATE users SET active_since = created_at;
UPDATE users
   SET last_signed_in_at = signed_in.at
  FROM (SELECT user_id, max(created_at) AS at
          FROM security_events
         WHERE kind = 'signed_in'
         GROUP BY user_id) AS signed_in
 WHERE signed_in.user_id = users.id;
ALTER TABLE users ENABLE TRIGGER users_updated_at;

-- Set here rather than by each place that activates an account (using an
-- invitation, reactivation): none can forget it.
CREATE FUNCTION cairn_set_active_since() RETURNS trigger AS $$
BEGIN
    NEW.active_since = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_active_since BEFORE UPDATE OF status ON users
    FOR EACH ROW
    WHEN (NEW.status = 'active' AND OLD.status IN ('invited', 'deactivated'))
    EXECUTE FUNCTION cairn_set_active_since();
