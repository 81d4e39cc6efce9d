DROP TABLE emergency_access;
DROP TABLE note_addenda;
DROP TRIGGER clinical_notes_signed_locked ON clinical_notes;
DROP FUNCTION clinical_notes_signed_is_locked();
DROP TABLE clinical_notes;
DROP TABLE care_team;
GRANT DELETE ON patients TO cairn_app;
