-- Evaluation result, candidate publicity (中标候选人公示), objections (异议), award (定标, 中标通知书)
-- and contract (合同签订). Portable SQL, same conventions as 0001/0002.

-- Award rules as data, per region and market. Region 'CN' holds the national defaults; a region
-- overrides them with its own row. Periods are calendar days counted from the day after the event
-- (民法典 第二百零一条) and end at 24:00 Asia/Shanghai of their last day (民法典 第二百零三条).
CREATE TABLE award_rules (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    max_candidates BIGINT NOT NULL,
    max_candidates_source TEXT NOT NULL,
    publicity_min_days BIGINT NOT NULL,
    publicity_source TEXT NOT NULL,
    objection_answer_days BIGINT NOT NULL,
    objection_source TEXT NOT NULL,
    contract_days BIGINT NOT NULL,
    contract_source TEXT NOT NULL,
    PRIMARY KEY (region, market)
);

-- 实施条例 54 (publicity ≥ 3 days; answer objections within 3 days), 评标规定 45 / 87号令 (≤ 3
-- candidates), 招标投标法 46 / 政采法 46 (contract within 30 days of the award notice).
INSERT INTO award_rules VALUES ('CN', 'construction', 3, '评标委员会和评标方法暂行规定 第四十五条',
    3, '招标投标法实施条例 第五十四条', 3, '招标投标法实施条例 第五十四条', 30, '招标投标法 第四十六条');
INSERT INTO award_rules VALUES ('CN', 'procurement', 3, '财政部令第87号 第六十五条',
    3, '招标投标法实施条例 第五十四条 (platform practice for procurement)', 3, '招标投标法实施条例 第五十四条',
    30, '政府采购法 第四十六条');
INSERT INTO award_rules VALUES ('CN', 'land', 3, '评标委员会和评标方法暂行规定 第四十五条',
    3, '招标投标法实施条例 第五十四条 (platform practice for land tenders)', 3, '招标投标法实施条例 第五十四条',
    30, '招标投标法 第四十六条 (platform practice; verify against 国土资源部令第39号)');
INSERT INTO award_rules VALUES ('CN', 'property', 3, '评标委员会和评标方法暂行规定 第四十五条',
    3, '招标投标法实施条例 第五十四条 (platform practice for property tenders)', 3, '招标投标法实施条例 第五十四条',
    30, '招标投标法 第四十六条 (platform practice; verify against 国资委 财政部令第32号)');

-- Registration rules for land (招标出让) and property (招投标) tenders, so those markets can register
-- a tendered section. 国土资源部令第39号 第十条: the announcement ≥ 20 days before the tender; 国资委
-- 财政部令第32号 第十三条: formal disclosure ≥ 20 working days. Deposits are set by the announcement
-- (no statutory cap: 10000 bp = 100%). Another area may have inserted the same rows first.
INSERT INTO project_rules VALUES ('CN', 'land', 'open_tender', 20, 0, '国土资源部令第39号 第十条', 0, 0,
    '国土资源部令第39号 (set by the announcement)', 10000, '国土资源部令第39号 (set by the announcement)', 1,
    '招标投标法 第三十四条')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'property', 'open_tender', 20, 1, '国资委 财政部令第32号 第十三条', 0, 0,
    '国资委 财政部令第32号 (set by the disclosure)', 10000, '国资委 财政部令第32号 (set by the disclosure)', 1,
    '招标投标法 第三十四条')
    ON CONFLICT (region, market, procedure) DO NOTHING;

-- The committee's result for a section and its candidate publicity. `candidates` is JSON
-- [{rank, org_id, org_name, uscc, price, score}].
CREATE TABLE section_evaluations (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    report_ref TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'event')),
    candidates TEXT NOT NULL,
    publicity_days BIGINT NOT NULL,
    publicity_starts_at BIGINT NOT NULL,
    publicity_ends_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Objections (异议) to the evaluation result, filed by registered bidders during publicity.
CREATE TABLE section_objections (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES sections (id),
    org_id TEXT NOT NULL,
    text TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at BIGINT,
    overdue BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX section_objections_section_idx ON section_objections (section_id, filed_at);

-- The award (定标) with its notice (中标通知书) and, once signed, the contract.
CREATE TABLE section_awards (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    notice_no TEXT NOT NULL,
    winner_org_id TEXT NOT NULL,
    winner_name TEXT NOT NULL,
    winner_rank BIGINT NOT NULL,
    price_fen BIGINT NOT NULL,
    reason TEXT,
    awarded_by TEXT NOT NULL,
    awarded_at BIGINT NOT NULL,
    contract_due_at BIGINT NOT NULL,
    contract_signed_on TEXT,
    contract_amount_fen BIGINT,
    contract_recorded_at BIGINT,
    contract_late BIGINT NOT NULL DEFAULT 0,
    contract_overdue_alerted BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT section_awards_notice_key UNIQUE (notice_no)
);

-- Termination (终止招标) of a section with its reason.
CREATE TABLE section_terminations (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    reason TEXT NOT NULL,
    terminated_by TEXT NOT NULL,
    terminated_at BIGINT NOT NULL
);
