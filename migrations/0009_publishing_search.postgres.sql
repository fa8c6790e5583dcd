-- Full-text search over announcements (PostgreSQL): trigram GIN indexes serve ILIKE '%q%'
-- for queries of 3 or more characters, which works for Chinese without a word segmenter.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX announcements_title_trgm ON announcements USING GIN (title gin_trgm_ops);
CREATE INDEX announcements_body_trgm ON announcements USING GIN (body_md gin_trgm_ops);
