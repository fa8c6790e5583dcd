-- Government procurement's own award path (issue 20, part 2; docs/procurement.md):
-- report → purchaser's confirmation → result announcement → contract → contract announcement → filing.

-- The periods, per region (national row 'CN'), each with its source.
CREATE TABLE procurement_award_rules (
    region TEXT PRIMARY KEY,
    report_send_days BIGINT NOT NULL,
    report_send_source TEXT NOT NULL,
    confirm_days BIGINT NOT NULL,
    confirm_source TEXT NOT NULL,
    announce_days BIGINT NOT NULL,
    announce_source TEXT NOT NULL,
    show_days BIGINT NOT NULL,
    show_source TEXT NOT NULL,
    contract_announce_days BIGINT NOT NULL,
    contract_announce_source TEXT NOT NULL
);
INSERT INTO procurement_award_rules VALUES ('CN',
    2, '政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条',
    5, '政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条',
    2, '政府采购法实施条例 第四十三条第二款; 财政部令第87号 第六十九条',
    1, '财政部令第87号 第六十九条',
    2, '政府采购法实施条例 第五十条');

-- One row per procurement section whose evaluation report has been received.
CREATE TABLE procurement_awards (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    report_ref TEXT NOT NULL,
    report_at BIGINT NOT NULL,
    report_send_due_at BIGINT NOT NULL,
    report_send_due_provisional BIGINT NOT NULL DEFAULT 0,
    report_sent_at BIGINT,
    report_sent_late BIGINT NOT NULL DEFAULT 0,
    report_overdue_alerted BIGINT NOT NULL DEFAULT 0,
    confirm_due_at BIGINT,
    confirm_due_provisional BIGINT NOT NULL DEFAULT 0,
    confirmed_at BIGINT,
    deemed BIGINT NOT NULL DEFAULT 0,
    announce_due_at BIGINT,
    announce_due_provisional BIGINT NOT NULL DEFAULT 0,
    announced_at BIGINT,
    announcement_id TEXT,
    announce_late BIGINT NOT NULL DEFAULT 0,
    announce_overdue_alerted BIGINT NOT NULL DEFAULT 0,
    contract_signed_on TEXT,
    contract_announce_due_at BIGINT,
    contract_announce_due_provisional BIGINT NOT NULL DEFAULT 0,
    contract_announced_at BIGINT,
    contract_announcement_ref TEXT,
    contract_announce_late BIGINT NOT NULL DEFAULT 0,
    contract_announce_overdue_alerted BIGINT NOT NULL DEFAULT 0,
    filed_at BIGINT,
    filing_ref TEXT,
    created_at BIGINT NOT NULL
);

-- The experts area learns when a section's result is determined (招标投标法 第三十七条: the
-- committee stays confidential until then).
ALTER TABLE expert_sections ADD COLUMN determined_at BIGINT;
