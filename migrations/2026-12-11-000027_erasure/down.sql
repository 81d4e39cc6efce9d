DROP FUNCTION cairn_erase_patient(uuid, uuid, uuid, date, date);
DROP TABLE patient_erasures;
DROP TABLE legal_holds;
