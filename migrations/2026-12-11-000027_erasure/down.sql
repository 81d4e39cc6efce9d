DROP FUNCTION cairn_erase_patient(uuid, uuid, uuid, date, date);
DROP TABLE patient_erasures;
DROP INDEX clinical_notes_patient_all_idx, note_addenda_patient_idx,
    measure_assignments_patient_idx, emergency_access_patient_idx;
DROP TABLE legal_holds;
