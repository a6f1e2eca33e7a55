ALTER TABLE memberships DROP COLUMN display_ci;
ALTER TABLE memberships DROP COLUMN display;
