-- Unified information publishing (统一信息发布): announcements and their version history.
CREATE TABLE announcements (
    id TEXT PRIMARY KEY,
    market TEXT NOT NULL,
    ann_type TEXT NOT NULL,
    region TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    fields TEXT NOT NULL,
    original_id TEXT REFERENCES announcements (id),
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    owner_org_id TEXT,
    created_by TEXT NOT NULL,
    publish_at BIGINT,
    published_at BIGINT,
    withdrawn_at BIGINT,
    withdraw_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX announcements_public ON announcements (status, published_at, id);
CREATE INDEX announcements_market ON announcements (market, status, published_at);
CREATE INDEX announcements_original ON announcements (original_id);

CREATE TABLE announcement_versions (
    announcement_id TEXT NOT NULL REFERENCES announcements (id),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    fields TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (announcement_id, version)
);
