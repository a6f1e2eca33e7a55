-- The display name a client gave a member when it added it (RFC 7643 §2.4: set when the
-- element is added, never updated), and its case fold for filters. NULL: none was given, and
-- the member's own displayName or userName is shown.
ALTER TABLE memberships ADD COLUMN display TEXT;
ALTER TABLE memberships ADD COLUMN display_ci TEXT;
