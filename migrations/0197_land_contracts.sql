-- The land contract (国有建设用地使用权出让合同) after a land deal: signed within 10 working days of the
-- deal; ≥ 50 % of the price paid within one month of signing, the rest within one year
-- (国土资发〔2010〕34号). Timers raise `auctions.land_contract.overdue` when a step is late. Portable SQL.
CREATE TABLE land_contracts (
    deal_id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    winner_org_id TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    deal_at BIGINT NOT NULL,
    sign_due_date TEXT NOT NULL,
    contract_no TEXT,
    signed_on TEXT,
    signed_by TEXT,
    first_due_date TEXT,
    final_due_date TEXT,
    paid_fen BIGINT NOT NULL
);

CREATE TABLE land_contract_payments (
    id TEXT PRIMARY KEY,
    deal_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- One overdue alert per contract and step (`signing`, `first_payment`, `final_payment`).
CREATE TABLE land_contract_overdue (
    deal_id TEXT NOT NULL,
    step TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    PRIMARY KEY (deal_id, step)
);
