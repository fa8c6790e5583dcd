-- Portal search index (issue 23), the same tables as on PostgreSQL; written by
-- crates/publishing/src/store.rs in the transaction that publishes or withdraws an announcement.
-- Announcements published before this migration are indexed at start-up (store::backfill).
-- The normalized text (full-width folded, lower case) the phrase is verified against.
CREATE TABLE announcement_search_docs (
    announcement_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
-- One row per distinct term (CJK bigram or Latin/digit word) of an announcement. The key is the
-- query's walk: one term, one status, newest first; other terms are probed by the whole key.
CREATE TABLE announcement_terms (
    term TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    announcement_id TEXT NOT NULL,
    PRIMARY KEY (term, status, published_at, announcement_id)
) WITHOUT ROWID;
-- The FTS5 trigram index it replaces (it could not serve 1–2 character queries).
DROP TABLE IF EXISTS announcements_fts_rowids;
DROP TABLE IF EXISTS announcements_fts;
