#!/bin/sh
# Runs once, when PostgreSQL creates its data directory (the image's
# /docker-entrypoint-initdb.d): the tables' owner is POSTGRES_USER, and this
# makes the application's login role. The migrations grant cairn_app what
# it may do; `cairn serve` connects as it and refuses any role with more.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$CAIRN_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE cairn_app LOGIN PASSWORD :'password';
SQL
