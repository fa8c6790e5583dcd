-- Unified electronic monitoring (统一电子监控管理): the monitoring area's own projections of the
-- event log, rule overrides, alerts and daily reports. Portable SQL: TEXT ids from the application,
-- BIGINT microseconds for instants, BIGINT fen for money, TEXT JSON, BIGINT 0/1 flags.

-- Rule overrides (the catalogue's defaults live in code, crates/monitoring/src/rules.rs).
CREATE TABLE monitoring_rules (
    rule_id TEXT PRIMARY KEY,
    enabled BIGINT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    params TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- What monitoring knows about a section, from projects/deposits/publishing events.
CREATE TABLE mon_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT,
    project_code TEXT,
    project_name TEXT,
    section_name TEXT,
    market TEXT,
    tenderer TEXT,
    estimate_fen BIGINT,
    docs_issue_at BIGINT,
    bid_deadline BIGINT,
    opening_at BIGINT,
    first_bid_at BIGINT,
    opened_at BIGINT,
    winner_org_id TEXT,
    award_fen BIGINT,
    awarded_at BIGINT,
    award_event_id TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX mon_sections_opening ON mon_sections (opening_at);
CREATE INDEX mon_sections_awarded ON mon_sections (tenderer, winner_org_id, awarded_at);

-- Traces left by bidders of a section: kind ip | device | creator | payer | registration.
CREATE TABLE mon_traces (
    section_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    org_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (section_id, kind, value, org_id)
);

-- Opening record entries (prices, validity) of each section.
CREATE TABLE mon_bids (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    org_name TEXT NOT NULL,
    price_fen BIGINT,
    valid BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

-- Deposit money held per bidder and section.
CREATE TABLE mon_deposits (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    received_fen BIGINT NOT NULL,
    released_fen BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

-- Opening and evaluation sessions from the venue area (today's board, occupancy).
CREATE TABLE mon_sessions (
    session_id TEXT PRIMARY KEY,
    section_id TEXT,
    kind TEXT NOT NULL,
    room_name TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    cancelled BIGINT NOT NULL
);
CREATE INDEX mon_sessions_start ON mon_sessions (starts_at);

-- Alerts. One alert per (rule, subject, signal): the same signal on the same section never opens a
-- second alert.
CREATE TABLE mon_alerts (
    id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    subject TEXT NOT NULL,
    signal_key TEXT NOT NULL,
    section_id TEXT,
    project_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),
    assignee TEXT,
    evidence TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL,
    CONSTRAINT mon_alerts_signal_key UNIQUE (rule_id, subject, signal_key)
);
CREATE INDEX mon_alerts_status ON mon_alerts (status, severity);
CREATE INDEX mon_alerts_section ON mon_alerts (section_id);

CREATE TABLE mon_alert_notes (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES mon_alerts (id),
    author TEXT NOT NULL,
    action TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX mon_alert_notes_alert ON mon_alert_notes (alert_id, at);

-- Daily reports (Asia/Shanghai days), stored once per day.
CREATE TABLE mon_reports (
    day TEXT PRIMARY KEY,
    csv TEXT NOT NULL,
    html TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
