-- State-owned property rights (产权交易), issue 21: the deal's publicity (交易结果公告, ≥ 5 working
-- days) and payment terms (一次付清, or 分期付款: ≥ 30 % first, the rest within a year, secured),
-- recorded once per deal by staff (32号令; article numbers to verify, docs/procedures.md).
CREATE TABLE auction_deal_terms (
    deal_id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    publicity_start BIGINT NOT NULL,
    publicity_end BIGINT NOT NULL,
    contract_effective_on TEXT NOT NULL,
    payment TEXT NOT NULL CHECK (payment IN ('lump_sum', 'instalments')),
    first_payment_fen BIGINT,
    balance_due_on TEXT,
    security TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
