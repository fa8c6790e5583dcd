-- Remedies: the attachments of a case's grounds as stored documents (docs/remedies.md
-- "Attachments"). Uploaded by a party before raising (or escalating); the bytes are in the file
-- store under `storage_key`, the SHA-256 is computed by the server while storing; `case_id` is set
-- when a case claims it (once).
CREATE TABLE remedy_attachments (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    case_id TEXT,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX remedy_attachments_case ON remedy_attachments (case_id);
