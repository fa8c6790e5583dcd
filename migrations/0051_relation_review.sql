-- Controlling relations (控股/管理关系) are declared by an organization about itself and count for
-- the joint-bidding bar (实施条例 34) only once staff verified them (issue 24, item 1). `declared`
-- until then; a relation declared by staff is `verified` at once. Removal deletes the row (the
-- event log keeps the history). Portable SQL.
ALTER TABLE org_relations ADD COLUMN status TEXT NOT NULL DEFAULT 'declared';
ALTER TABLE org_relations ADD COLUMN reviewed_by TEXT;
ALTER TABLE org_relations ADD COLUMN reviewed_at BIGINT;
