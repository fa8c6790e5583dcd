-- 矿业权招标出让 (mining-right tender) as a procedure of the land market (issue 21; procedure
-- `mining_tender`, crates/projects/src/rules.rs; docs/procedures.md "Land auction and mining
-- rights"): the sealed-bid path of a land tender (招标出让) with the mining periods of
-- 矿业权出让交易规则 (自然资规〔2023〕1号; articles not verified, values secondary — the same state
-- as mining_listing's rows in 0230). Its `procedure_stages` rows (0185's table) and its
-- registration rules (`project_rules`, same columns as 0002 / 0037). Portable SQL.

INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 10, 'announcement', 20, 1, 'announcement', NULL, '矿业权出让交易规则 (自然资规〔2023〕1号; article not verified): the tender announcement ≥ 20 working days before the bid deadline (procedure.mining_announcement_period)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 20, 'registration', NULL, 0, NULL, NULL, '矿业权出让交易规则 (until the bid deadline)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 40, 'sealed_bids', 20, 1, 'docs_issue_at', NULL, '矿业权出让交易规则 (自然资规〔2023〕1号; article not verified): the bid deadline ≥ 20 working days after the announcement and its documents');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 50, 'opening', NULL, 0, NULL, 3, '招标投标法 第二十八条; 招标投标法实施条例 第四十四条 (fewer than 3 bids: failed, the opening rule of every tender)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 60, 'evaluation', NULL, 0, NULL, 5, '国土资源部令第39号 第十四条 (the land tender''s evaluation committee; applied to mining tenders by the trading system, secondary)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 80, 'award', NULL, 0, NULL, NULL, '矿业权出让交易规则 (中标; the land tender''s award path)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 85, 'result_publicity', 10, 1, 'award', NULL, '矿业权出让交易规则 (published within 5 working days of the result, ≥ 10 working days; secondary: provincial rules)');
INSERT INTO procedure_stages VALUES ('land', 'mining_tender', 90, 'contract', NULL, 0, NULL, NULL, '矿业权出让合同 (the projects area''s contract step; no land-use contract: 国土资发〔2010〕34号 is a land-use rule)');

-- Registration rules (crates/projects/src/rules.rs MarketRules::national has the same values).
INSERT INTO project_rules VALUES ('CN', 'land', 'mining_tender', 20, 1,
    '矿业权出让交易规则 (自然资规〔2023〕1号) — article not verified', 0, 0,
    '矿业权出让交易规则 (set by the announcement)', 10000, '矿业权出让交易规则 (set by the announcement)', 1,
    '招标投标法 第三十四条')
    ON CONFLICT (region, market, procedure) DO NOTHING;
