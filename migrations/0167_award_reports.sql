-- The written report of the tender result to the supervising department (招标投标法 第四十七条:
-- "依法必须进行招标的项目，招标人应当自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告").
-- Portable SQL, same conventions as 0001/0011.

-- The period as data, per region and market ('CN' = national default). A market without a row has
-- no such report (procurement files its contract instead, docs/procurement.md).
CREATE TABLE award_report_rules (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    report_days BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (region, market)
);
INSERT INTO award_report_rules VALUES ('CN', 'construction', 15, '招标投标法 第四十七条');

-- One report per awarded section: opened at the award with its due time, filed once.
CREATE TABLE section_award_reports (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    project_id TEXT NOT NULL,
    awarded_at BIGINT NOT NULL,
    report_days BIGINT NOT NULL,
    source TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    due_provisional BIGINT NOT NULL DEFAULT 0,
    report_no TEXT,
    body TEXT,
    filed_at BIGINT,
    filed_by TEXT,
    late BIGINT NOT NULL DEFAULT 0,
    overdue_alerted BIGINT NOT NULL DEFAULT 0
);
