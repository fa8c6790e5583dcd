-- A capital increase with several investors (issue 21; crates/auctions/src/capital_increase.rs,
-- docs/procedures.md "Capital increase and asset transfer"). 32号令 第三十九条/第四十条 (articles to
-- verify): the disclosure states 拟募集资金金额 and 拟征集投资方数量, and the enterprise may bring in
-- several investors. Portable SQL.

-- How many investors the disclosure seeks (1 = one investor, as before) and the least total the
-- selected investors must reach when the disclosure allowed less than the amount sought (NULL: not
-- stated — the amount sought when several investors are sought, no floor for one).
ALTER TABLE capital_increases ADD COLUMN investors_sought BIGINT NOT NULL DEFAULT 1;
ALTER TABLE capital_increases ADD COLUMN amount_minimum_fen BIGINT;

-- The selected investors, best first (seq 0 is capital_increase_selections.investor_org_id, whose
-- amount_fen is then the total of the selected investors).
CREATE TABLE capital_increase_investors (
    capital_increase_id TEXT NOT NULL REFERENCES capital_increases (id),
    seq BIGINT NOT NULL,
    org_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    total_centi BIGINT NOT NULL,
    PRIMARY KEY (capital_increase_id, seq),
    CONSTRAINT capital_increase_investors_org UNIQUE (capital_increase_id, org_id)
);
INSERT INTO capital_increase_investors (capital_increase_id, seq, org_id, amount_fen, total_centi)
    SELECT capital_increase_id, 0, investor_org_id, amount_fen, total_centi FROM capital_increase_selections;

-- Deposits (its own table): a deal shared by several investors converts each one's deposit, so a
-- conversion is unique per (deal, organization), no longer per deal.
DROP INDEX deposit_conversions_deal_idx;
CREATE UNIQUE INDEX deposit_conversions_deal_org_idx ON deposit_conversions (deal_id, org_id);
