-- The stages of procurement's non-tender methods (issue 21) as rows of `procedure_stages` (the
-- "procedures as data" table of migration 0185, documented in docs/procedures.md). The table is
-- created here only if 0185 has not created it (the two branches merge in either order; the
-- definition is 0185's). Stage names: the vocabulary of 0185 plus `negotiation` (谈判/磋商 rounds
-- and final quotes), `quotation` (询价: one quote), `single_source_publicity` (单一来源公示).
CREATE TABLE IF NOT EXISTS procedure_stages (
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    seq BIGINT NOT NULL,
    stage TEXT NOT NULL,
    period_days BIGINT,
    period_working BIGINT NOT NULL DEFAULT 0,
    period_from TEXT,
    min_count BIGINT,
    source TEXT NOT NULL,
    PRIMARY KEY (market, procedure, stage),
    CONSTRAINT procedure_stages_seq_key UNIQUE (market, procedure, seq)
);

-- 竞争性谈判 (政府采购法 第三十八条; 财政部令第74号).
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 10, 'announcement', NULL, 0, NULL, 3, '财政部令第74号 第十二条 (announcement, supplier database draw or written recommendation; ≥ 3 suppliers)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 20, 'registration', NULL, 0, NULL, NULL, '财政部令第74号 第十二条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 40, 'sealed_bids', 3, 1, 'docs_issue_at', NULL, '财政部令第74号 第二十九条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 50, 'opening', NULL, 0, NULL, 3, '政府采购法 第三十八条; 财政部令第74号 第三十七条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 60, 'evaluation', NULL, 0, NULL, 3, '政府采购法 第三十八条 (谈判小组 ≥ 3, odd, experts ≥ 2/3)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 65, 'negotiation', NULL, 0, NULL, 3, '财政部令第74号 第三十二条、第三十三条、第三十五条 (final quotes; lowest wins)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_negotiation', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');

-- 竞争性磋商 (财库〔2014〕214号).
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 10, 'announcement', NULL, 0, NULL, 3, '财库〔2014〕214号 第六条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 20, 'registration', NULL, 0, NULL, NULL, '财库〔2014〕214号 第六条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 30, 'tender_documents', 5, 1, 'docs_issue_at', NULL, '财库〔2014〕214号 第十条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 40, 'sealed_bids', 10, 0, 'docs_issue_at', NULL, '财库〔2014〕214号 第十条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 50, 'opening', NULL, 0, NULL, 3, '财库〔2014〕214号 第三十四条 (article to verify)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 60, 'evaluation', NULL, 0, NULL, 3, '财库〔2014〕214号 第十四条 (磋商小组 ≥ 3; article to verify)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 65, 'negotiation', NULL, 0, NULL, 3, '财库〔2014〕214号 第二十一条、第二十四条 (final quotes; comprehensive scoring, price weight goods 30–60 %, services 10–30 %)');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'competitive_consultation', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');

-- 询价 (政府采购法 第四十条; 财政部令第74号).
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 10, 'announcement', NULL, 0, NULL, 3, '财政部令第74号 第十二条');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 20, 'registration', NULL, 0, NULL, NULL, '财政部令第74号 第十二条');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 40, 'quotation', 3, 1, 'docs_issue_at', NULL, '财政部令第74号 第四十五条、第四十八条 (one quote that cannot be changed)');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 50, 'opening', NULL, 0, NULL, 3, '政府采购法 第四十条; 财政部令第74号 第五十一条');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 60, 'evaluation', NULL, 0, NULL, 3, '政府采购法 第四十条 (询价小组 ≥ 3, odd, experts ≥ 2/3); 财政部令第74号 第四十九条 (lowest wins)');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'inquiry', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');

-- 单一来源 (政府采购法 第三十九条; 财政部令第74号).
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 10, 'single_source_publicity', 5, 1, 'docs_issue_at', NULL, '财政部令第74号 第三十八条、第三十九条 (objections during the publicity)');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 20, 'registration', NULL, 0, NULL, 1, '政府采购法 第三十九条');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 40, 'sealed_bids', 5, 1, 'docs_issue_at', NULL, '财政部令第74号 第三十八条 (the quote is due after the publicity)');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 50, 'opening', NULL, 0, NULL, 1, '政府采购法 第三十九条');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 65, 'negotiation', NULL, 0, NULL, 1, '财政部令第74号 第四十一条、第四十二条 (协商情况记录)');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'single_source', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');
