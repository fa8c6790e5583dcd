-- State-owned property rights (产权交易), issue 21: paying a property deal's price (交易价款,
-- 《企业国有资产交易监督管理办法》 国资委 财政部令第32号 第二十八条 — article number to verify). The deal's
-- recorded terms (migration 0201) open its payment schedule in the same transaction: one sum by
-- 24:00 of the 5th working day after the contract takes effect, or the first payment (≥ 30 %) by
-- then and the balance by its date (moved off a day off, 民法典 第二百零三条) with interest for the
-- deferred period at the bank loan rate of the same term (按同期银行贷款利率). Staff record each
-- payment; the buyer's deposit converted into the price (抵作价款, `deposits.deposit.converted`)
-- counts as paid; durable timers at the end of each due day raise
-- `auctions.property_payment.overdue` (crates/auctions/src/property_payment). Portable SQL.
CREATE TABLE property_payment_schedules (
    deal_id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    section_id TEXT NOT NULL,
    buyer_org_id TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    payment TEXT NOT NULL CHECK (payment IN ('lump_sum', 'instalments')),
    contract_effective_on TEXT NOT NULL,
    -- The whole price (lump sum) or the first payment (instalments): its last day and amount.
    first_due_date TEXT NOT NULL,
    first_required_fen BIGINT NOT NULL,
    -- Instalments: the balance's last day (the whole price is due then).
    balance_due_date TEXT,
    -- Instalments: the rate applied to the deferred balance (a copy of the rate row in force on
    -- the contract's effective date), percent per year, and its day basis.
    interest_rate_id TEXT,
    interest_rate_percent TEXT,
    interest_day_basis BIGINT,
    opened_at BIGINT NOT NULL
);

CREATE TABLE property_payments (
    id TEXT PRIMARY KEY,
    deal_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX property_payments_deal ON property_payments (deal_id, paid_on);

-- The auctions area's own copy of `deposits.deposit.converted` for property deals (areas never read
-- each other's tables): the winner's deposit that became part of the price.
CREATE TABLE property_deposit_credits (
    conversion_id TEXT PRIMARY KEY,
    deal_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- The conversion's Beijing date: it counts as paid that day.
    converted_on TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX property_deposit_credits_deal ON property_deposit_credits (deal_id);

-- One overdue alert per deal and step (`price`, `first_payment`, `balance`).
CREATE TABLE property_payment_overdue (
    deal_id TEXT NOT NULL,
    step TEXT NOT NULL,
    owed_fen BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    PRIMARY KEY (deal_id, step)
);

-- The bank loan rate of the same term (同期银行贷款利率): since 2019-08-20 the loan prime rate (贷款
-- 市场报价利率, LPR) published by the National Interbank Funding Center (全国银行间同业拆借中心) on the
-- PBOC's authority; a balance is due within one year, so the one-year LPR. The rate in force on the
-- contract's effective date applies (the latest row with `effective_on` on or before it). Day basis
-- 360: 日利率 = 年利率 ÷ 360 (中国人民银行《人民币利率管理规定》 银发〔1999〕77号 — article to verify).
-- The values below were not checked against the NIFC's publication here: `verified` 0 (to verify).
CREATE TABLE property_interest_rates (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    annual_rate_percent TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    day_basis BIGINT NOT NULL,
    source TEXT NOT NULL,
    verified BIGINT NOT NULL
);
INSERT INTO property_interest_rates VALUES ('lpr_1y_2023_08_21', 'lpr_1y', '3.45', '2023-08-21', 360,
    '全国银行间同业拆借中心 贷款市场报价利率 (LPR) 1年期, 2023-08-21 — to verify', 0);
INSERT INTO property_interest_rates VALUES ('lpr_1y_2024_07_22', 'lpr_1y', '3.35', '2024-07-22', 360,
    '全国银行间同业拆借中心 贷款市场报价利率 (LPR) 1年期, 2024-07-22 — to verify', 0);
INSERT INTO property_interest_rates VALUES ('lpr_1y_2024_10_21', 'lpr_1y', '3.10', '2024-10-21', 360,
    '全国银行间同业拆借中心 贷款市场报价利率 (LPR) 1年期, 2024-10-21 — to verify', 0);
INSERT INTO property_interest_rates VALUES ('lpr_1y_2025_05_20', 'lpr_1y', '3.00', '2025-05-20', 360,
    '全国银行间同业拆借中心 贷款市场报价利率 (LPR) 1年期, 2025-05-20 (the latest value known here; later changes not checked) — to verify', 0);
