-- Land and property deals (issue 10): the winner's bidding deposit (竞买保证金) becomes part of the
-- price (国土资源部令第39号 第二十一条: 抵作土地出让价款). One row per (section, winner): a redelivered
-- `auctions.deal.confirmed` converts nothing twice. The journal entry (deposit_liability →
-- price_payment) is written in the same transaction.
CREATE TABLE deposit_conversions (
    id TEXT PRIMARY KEY,
    deal_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    price_fen BIGINT NOT NULL CHECK (price_fen >= 0),
    basis TEXT NOT NULL,
    converted_at BIGINT NOT NULL,
    UNIQUE (section_id, org_id)
);
CREATE UNIQUE INDEX deposit_conversions_deal_idx ON deposit_conversions (deal_id);
