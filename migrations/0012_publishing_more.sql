-- Publishing, continued: announcements linked to projects and sections, auto-drafts from lifecycle
-- events, attachments with SHA-256, the area's own copy of sections, and OCDS releases.

-- The project and sections an announcement is about (section_ids: JSON array of ids).
ALTER TABLE announcements ADD COLUMN project_id TEXT;
ALTER TABLE announcements ADD COLUMN section_ids TEXT NOT NULL DEFAULT '[]';
-- `markdown` or `html`; both are sanitized to body_html.
ALTER TABLE announcements ADD COLUMN body_format TEXT NOT NULL DEFAULT 'markdown';
-- Auto-drafts: the id of the lifecycle event they came from (one draft per event) and the fields
-- taken from it (JSON), which an edit may not change: numbers are never retyped.
ALTER TABLE announcements ADD COLUMN source_event TEXT;
ALTER TABLE announcements ADD COLUMN source_fields TEXT;
-- For a published change notice: the postponements it caused (JSON array), as emitted.
ALTER TABLE announcements ADD COLUMN postpone TEXT;
CREATE UNIQUE INDEX announcements_source_event ON announcements (source_event);
CREATE INDEX announcements_project ON announcements (project_id);

CREATE TABLE announcement_attachments (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX announcement_attachments_ann ON announcement_attachments (announcement_id);

-- Publishing's own copy of projects and sections, kept from projects.* events.
CREATE TABLE publishing_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    project_code TEXT,
    project_name TEXT NOT NULL,
    section_name TEXT NOT NULL,
    market TEXT NOT NULL,
    procedure TEXT,
    region TEXT,
    tenderer_name TEXT,
    tenderer_uscc TEXT,
    owner_org_id TEXT,
    estimated_price TEXT,
    docs_issue_at BIGINT,
    bid_deadline BIGINT,
    opening_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX publishing_sections_project ON publishing_sections (project_id);

-- OCDS 1.1 releases, one per change, stored as the JSON served (release: the release object).
CREATE TABLE ocds_releases (
    id TEXT PRIMARY KEY,
    ocid TEXT NOT NULL,
    section_id TEXT NOT NULL,
    market TEXT NOT NULL,
    tag TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    release TEXT NOT NULL,
    source TEXT NOT NULL UNIQUE
);
CREATE INDEX ocds_releases_since ON ocds_releases (released_at, id);
CREATE INDEX ocds_releases_ocid ON ocds_releases (ocid, released_at);
