-- Procurement's non-tender methods (非招标采购方式, issue 21): registration rules per method and the
-- record of the negotiation / consultation rounds. Portable SQL, same columns as 0002 / 0037.
--
-- 竞争性谈判 / 询价: from the documents issued to the first responses ≥ 3 working days (财政部令第74号
-- 第二十九条、第四十五条); no statutory sale period; deposit ≤ 2 % of the budget (74号令 第十四条).
-- 竞争性磋商: ≥ 10 days (财库〔2014〕214号 第十条), documents on sale ≥ 5 working days (同条), deposit
-- ≤ 2 % (第十二条). 单一来源: the publicity (公示) ≥ 5 working days before the negotiation (74号令
-- 第三十八条); `docs_issue_at` is the publicity's start, `bid_deadline` when the supplier's sealed
-- quote is due (not earlier than the publicity's end). Responses are sealed and opened at the
-- deadline like bids (the platform's sealed-bid path).
INSERT INTO project_rules VALUES ('CN', 'procurement', 'competitive_negotiation', 3, 1, '财政部令第74号 第二十九条',
    0, 0, '财政部令第74号 (no statutory sale period)', 200, '财政部令第74号 第十四条', 1,
    '财政部令第74号 (sealed responses opened at the deadline)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'procurement', 'competitive_consultation', 10, 0, '财库〔2014〕214号 第十条',
    5, 1, '财库〔2014〕214号 第十条', 200, '财库〔2014〕214号 第十二条', 1,
    '财库〔2014〕214号 (sealed responses opened at the deadline)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'procurement', 'inquiry', 3, 1, '财政部令第74号 第四十五条',
    0, 0, '财政部令第74号 (no statutory sale period)', 200, '财政部令第74号 第十四条', 1,
    '财政部令第74号 (sealed quotes opened at the deadline)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'procurement', 'single_source', 5, 1, '财政部令第74号 第三十八条',
    0, 0, '财政部令第74号 (no statutory sale period)', 200, '财政部令第74号 第十四条', 1,
    '财政部令第74号 (sealed quote opened at the deadline)')
    ON CONFLICT (region, market, procedure) DO NOTHING;

-- Rounds of negotiation (谈判) / consultation (磋商) with the suppliers, recorded by the centre or the
-- project's agency after the opening (74号令 第三十二条、第四十二条; 214号 第十九条、第二十一条).
-- `quotes` is a JSON array [{org_id, price_fen}]; a final round (`final_round` = 1) holds the
-- final quotes (最后报价) and closes the negotiation.
CREATE TABLE negotiation_rounds (
    section_id TEXT NOT NULL,
    round_no BIGINT NOT NULL,
    notes TEXT NOT NULL,
    quotes TEXT NOT NULL,
    final_round BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, round_no)
);
