-- Archives (档案, issue 21 item 4; docs/archives.md). Owned by crates/archives.

-- Retention periods by market, with their legal basis (`confirmed` = 0: the article was not
-- checked against the rule's text, or the period is the centre's own rule).
CREATE TABLE archive_retention_rules (
    market TEXT PRIMARY KEY,
    years BIGINT NOT NULL CHECK (years >= 1),
    basis TEXT NOT NULL,
    confirmed BIGINT NOT NULL DEFAULT 0
);

INSERT INTO archive_retention_rules (market, years, basis, confirmed) VALUES
    ('construction', 10, '招标公告和公示信息发布管理办法 (10号令) 第十一条: electronic trading data traceable for ≥ 10 years (article not confirmed here)', 0),
    ('procurement', 15, '政府采购法 第四十二条: 采购文件的保存期限为从采购结束之日起至少保存十五年', 1),
    ('land', 10, 'centre''s rule: the 10-year period of electronic trading data applied to land and mining-right transfers (no national period for these files confirmed here)', 0),
    ('property', 10, 'centre''s rule: the 10-year period of electronic trading data applied to property-right transactions (no national period for these files confirmed here)', 0);

-- One job per section whose trade ended (the first end event wins); claimed with a lease.
CREATE TABLE archive_jobs (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    end_event_id TEXT NOT NULL,
    end_event_type TEXT NOT NULL,
    end_seq BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    archive_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX archive_jobs_due ON archive_jobs (status, due_at);

-- The archives. Every column but the disposal columns is fixed once written, and a row cannot
-- be deleted before its retention period ends (triggers: migration 0161).
CREATE TABLE archives (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    end_event_type TEXT NOT NULL,
    end_seq BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    ended_on TEXT NOT NULL,
    retention_years BIGINT NOT NULL,
    retention_basis TEXT NOT NULL,
    retention_confirmed BIGINT NOT NULL,
    retain_until TEXT NOT NULL,
    -- First instant (UTC microseconds) of the day after retain_until, Asia/Shanghai.
    disposable_from BIGINT NOT NULL,
    tree_size BIGINT NOT NULL,
    root_hash TEXT NOT NULL,
    checkpoint_note TEXT NOT NULL,
    event_count BIGINT NOT NULL,
    document_count BIGINT NOT NULL,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    bundle_key TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL,
    bundle_size BIGINT NOT NULL,
    key_name TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    built_at BIGINT NOT NULL,
    disposed_at BIGINT,
    disposed_by TEXT,
    disposal_reason TEXT
);
CREATE INDEX archives_market_ended ON archives (market, ended_on);
CREATE INDEX archives_project ON archives (project_id);
CREATE INDEX archives_ended ON archives (ended_at);
