-- Which FTS5 row holds an announcement (SQLite): `announcements_fts.id` is UNINDEXED, so deleting
-- the old text of a re-indexed announcement by id scanned the whole index. Rows are now addressed by
-- rowid through this map (crates/publishing/src/store.rs).
CREATE TABLE announcements_fts_rowids (
    id TEXT PRIMARY KEY,
    fts_rowid INTEGER NOT NULL UNIQUE
);
INSERT INTO announcements_fts_rowids (id, fts_rowid) SELECT id, rowid FROM announcements_fts;
