DROP TABLE configured_keys;
