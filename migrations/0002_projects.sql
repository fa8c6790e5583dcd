-- Unified project registration (统一项目登记). Portable SQL, same conventions as 0001: TEXT ids from
-- the application, BIGINT microseconds for instants, BIGINT fen for money, booleans as BIGINT 0/1.

-- A project (项目) registered by a tenderer or its agency. `code` is the unified trading code
-- (统一交易编码), allocated when staff confirm the registration; NULL before (NULLs never collide).
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    code TEXT,
    name TEXT NOT NULL,
    market TEXT NOT NULL CHECK (market IN ('construction', 'procurement', 'land', 'property')),
    procedure TEXT NOT NULL,
    region TEXT NOT NULL,
    tenderer_uscc TEXT NOT NULL,
    tenderer_name TEXT NOT NULL,
    owner_org_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'registered')),
    return_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    registered_at BIGINT,
    CONSTRAINT projects_code_key UNIQUE (code)
);
CREATE INDEX projects_owner_idx ON projects (owner_org_id, created_at);
CREATE INDEX projects_status_idx ON projects (status, created_at);

-- Sections (标段); each has its own trading lifecycle (see crates/projects/src/model.rs).
CREATE TABLE sections (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    section_no BIGINT NOT NULL,
    name TEXT NOT NULL,
    estimated_price_fen BIGINT NOT NULL,
    deposit_fen BIGINT NOT NULL,
    docs_issue_at BIGINT NOT NULL,
    docs_sale_end_at BIGINT NOT NULL,
    bid_deadline BIGINT NOT NULL,
    opening_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'registered', 'announced', 'bidding', 'closed', 'opening',
        'evaluating', 'publicizing', 'awarded', 'contracted', 'failed', 'terminated')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT sections_project_no_key UNIQUE (project_id, section_no)
);

-- Registration rules as data, per region, market and procedure. Region 'CN' holds the national
-- defaults; a region overrides them with its own row (stricter local rules). Days are counted from
-- the day after the event; `*_working` = 1 counts working days (工作日) instead of calendar days.
CREATE TABLE project_rules (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    deadline_min_days BIGINT NOT NULL,
    deadline_working BIGINT NOT NULL,
    deadline_source TEXT NOT NULL,
    doc_sale_min_days BIGINT NOT NULL,
    doc_sale_working BIGINT NOT NULL,
    doc_sale_source TEXT NOT NULL,
    deposit_cap_bp BIGINT NOT NULL,
    deposit_cap_source TEXT NOT NULL,
    opening_at_deadline BIGINT NOT NULL,
    opening_source TEXT NOT NULL,
    PRIMARY KEY (region, market, procedure)
);

-- 招标投标法 24 (20 days), 实施条例 16 (sale ≥ 5 days), 实施条例 26 (deposit ≤ 2%), 招标投标法 34.
INSERT INTO project_rules VALUES ('CN', 'construction', 'open_tender', 20, 0, '招标投标法 第二十四条', 5, 0,
    '招标投标法实施条例 第十六条', 200, '招标投标法实施条例 第二十六条', 1, '招标投标法 第三十四条');
INSERT INTO project_rules VALUES ('CN', 'construction', 'invited_tender', 20, 0, '招标投标法 第二十四条', 5, 0,
    '招标投标法实施条例 第十六条', 200, '招标投标法实施条例 第二十六条', 1, '招标投标法 第三十四条');
-- 政采法 35 / 87号令 18 (20 days), 87号令 16 (5 working days), 政采条例 33 (deposit ≤ 2% of budget).
INSERT INTO project_rules VALUES ('CN', 'procurement', 'open_tender', 20, 0, '政府采购法 第三十五条; 财政部令第87号 第十八条',
    5, 1, '财政部令第87号 第十六条', 200, '政府采购法实施条例 第三十三条', 1, '招标投标法 第三十四条; 财政部令第87号 第三十九条');
INSERT INTO project_rules VALUES ('CN', 'procurement', 'invited_tender', 20, 0, '政府采购法 第三十五条; 财政部令第87号 第十八条',
    5, 1, '财政部令第87号 第十六条', 200, '政府采购法实施条例 第三十三条', 1, '招标投标法 第三十四条; 财政部令第87号 第三十九条');

-- Next sequence number of unified trading codes per region, market and year. Allocated with
-- INSERT … ON CONFLICT DO UPDATE … RETURNING inside the approving transaction: the row lock makes
-- concurrent instances take distinct numbers; projects_code_key is the last line of defence.
CREATE TABLE project_code_seq (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (region, market, year)
);
