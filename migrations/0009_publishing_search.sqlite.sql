-- Full-text search over published announcements (SQLite). The trigram tokenizer indexes every
-- 3-character window, so it works for Chinese without a word segmenter; queries shorter than 3
-- characters cannot use it and fall back to LIKE (see crates/publishing/src/store.rs).
-- Rows are written by the service when an announcement is published (and refreshed on withdrawal).
CREATE VIRTUAL TABLE announcements_fts USING fts5 (id UNINDEXED, title, body, tokenize = 'trigram');
