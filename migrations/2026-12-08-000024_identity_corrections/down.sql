DROP TABLE identity_corrections;
