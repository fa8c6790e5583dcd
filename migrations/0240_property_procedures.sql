-- Property procedures of issue 21 (crates/auctions/src/capital_increase.rs, asset_transfer.rs;
-- docs/procedures.md "Capital increase and asset transfer"): 企业增资 (增资扩股, procedure
-- `capital_increase`) and 企业资产转让 (procedure `asset_transfer`) of 《企业国有资产交易监督管理办法》
-- (国资委 财政部令第32号, "32号令"). Portable SQL.

-- Procedures as data (the table of 0185 / 0191).
INSERT INTO procedure_stages VALUES ('property', 'capital_increase', 10, 'announcement', 40, 1, 'announcement', NULL, '国资委 财政部令第32号 第三十九条 (信息披露 ≥ 40 working days)');
INSERT INTO procedure_stages VALUES ('property', 'capital_increase', 20, 'registration', NULL, 0, NULL, 1, '国资委 财政部令第32号 第三十九条 (意向投资方 apply with their deposit until the disclosure end)');
INSERT INTO procedure_stages VALUES ('property', 'capital_increase', 60, 'investor_selection', NULL, 0, NULL, 1, '国资委 财政部令第32号 第四十一条、第四十二条 (selection by the disclosed criteria: 竞争性谈判 / 综合评议; articles to verify)');
INSERT INTO procedure_stages VALUES ('property', 'capital_increase', 80, 'agreement', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第四十三条 (增资协议; article to verify)');
INSERT INTO procedure_stages VALUES ('property', 'capital_increase', 90, 'result_publicity', 5, 1, 'agreement', NULL, '国资委 财政部令第32号 第四十五条 (结果公告 ≥ 5 working days; article to verify)');
INSERT INTO procedure_stages VALUES ('property', 'asset_transfer', 10, 'announcement', 20, 1, 'announcement', NULL, '国资委 财政部令第32号 第四章 (floor > CNY 10 m: ≥ 20 working days; > 1 m up to 10 m: ≥ 10; article number to verify)');
INSERT INTO procedure_stages VALUES ('property', 'asset_transfer', 20, 'registration', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第四章 (no qualification conditions on buyers unless the law requires them)');
INSERT INTO procedure_stages VALUES ('property', 'asset_transfer', 40, 'listing', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第四章 (the transfer procedure of 第二章 applies)');
INSERT INTO procedure_stages VALUES ('property', 'asset_transfer', 80, 'deal', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第四章 (price paid in one sum in principle)');

-- Registration rules (same columns as 0002 / 0037).
INSERT INTO project_rules VALUES ('CN', 'property', 'capital_increase', 40, 1, '国资委 财政部令第32号 第三十九条', 0, 0,
    '国资委 财政部令第32号 (set by the disclosure)', 10000, '国资委 财政部令第32号 (set by the disclosure)', 0,
    '国资委 财政部令第32号 (capital increase: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'property', 'asset_transfer', 0, 1, '国资委 财政部令第32号 第四章 (by the floor, checked with the listing)', 0, 0,
    '国资委 财政部令第32号 (set by the disclosure)', 10000, '国资委 财政部令第32号 (set by the disclosure)', 0,
    '国资委 财政部令第32号 (asset transfer: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;

-- A capital increase (企业增资) of a section: its disclosure and the disclosed selection.
CREATE TABLE capital_increases (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    disclosure_start BIGINT NOT NULL,
    disclosure_end BIGINT NOT NULL,
    amount_sought_fen BIGINT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('competitive_negotiation', 'comprehensive_evaluation')),
    phase TEXT NOT NULL CHECK (phase IN ('disclosure', 'selected', 'agreed')),
    periods_provisional BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The disclosed selection criteria (择优指标) with their weights (points, summing to 100).
CREATE TABLE capital_increase_criteria (
    capital_increase_id TEXT NOT NULL REFERENCES capital_increases (id),
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (capital_increase_id, seq),
    CONSTRAINT capital_increase_criteria_name UNIQUE (capital_increase_id, name)
);

-- The enterprise's scored decision (遴选结果): every qualified investor's offer and points.
CREATE TABLE capital_increase_scores (
    capital_increase_id TEXT NOT NULL REFERENCES capital_increases (id),
    org_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    criterion TEXT NOT NULL,
    points_centi BIGINT NOT NULL,
    PRIMARY KEY (capital_increase_id, org_id, criterion)
);

CREATE TABLE capital_increase_selections (
    capital_increase_id TEXT PRIMARY KEY REFERENCES capital_increases (id),
    investor_org_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    total_centi BIGINT NOT NULL,
    lot_seed TEXT,
    notes TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);

-- The capital-increase agreement (增资协议) and the result publicity (结果公告).
CREATE TABLE capital_increase_agreements (
    capital_increase_id TEXT PRIMARY KEY REFERENCES capital_increases (id),
    deal_id TEXT NOT NULL,
    agreement_no TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    publicity_start BIGINT NOT NULL,
    publicity_end BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
