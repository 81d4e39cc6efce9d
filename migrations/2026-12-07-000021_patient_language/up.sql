-- A patient's preferred language, sealed with their key like the rest of
-- their details (preferred name, pronouns, gender, address and emergency
-- contact have had their sealed columns since migration 8).
ALTER TABLE patients ADD COLUMN language_sealed bytea;
