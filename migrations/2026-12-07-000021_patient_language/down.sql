ALTER TABLE patients DROP COLUMN language_sealed;
