-- The owner's list of its announcements in every state (GET /api/v1/announcements/mine).
CREATE INDEX IF NOT EXISTS announcements_owner_updated ON announcements (owner_org_id, updated_at);
