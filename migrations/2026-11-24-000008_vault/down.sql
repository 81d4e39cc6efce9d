DROP TABLE patients;
DROP TABLE data_keys;
