DROP TABLE users;
DROP TABLE organizations;
DROP FUNCTION cairn_set_updated_at();
