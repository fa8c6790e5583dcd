-- The documents of each decrypted bid as the evaluation committee reads them, projected by the
-- evaluation area from `projects.bid.decrypted` (issue 18). Each document is a byte range of the
-- decrypted copy in the file store (`file_key`), checked against `sha256` on every read.
-- Portable SQL: TEXT ids, BIGINT sizes and microseconds.
CREATE TABLE eval_bid_documents (
    bid_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    file_key TEXT NOT NULL,
    file_offset BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (bid_id, n)
);
CREATE INDEX eval_bid_documents_section_idx ON eval_bid_documents (section_id, org_id);
