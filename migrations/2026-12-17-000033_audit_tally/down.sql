DROP TABLE audit_tally;
