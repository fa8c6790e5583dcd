-- State-owned property rights (产权交易), issue 21: the other shareholders' pre-emption rights
-- (优先购买权, 公司法 2023 第八十四条) on a limited company's equity transfer, recorded once per deal
-- by staff: each shareholder waived or exercised it (with the written document, hashed), and who
-- buys — the auction winner, or the exercising shareholder(s) at the deal price, each with its
-- share and amount.
CREATE TABLE auction_preemptions (
    deal_id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    buyer TEXT NOT NULL CHECK (buyer IN ('auction_winner', 'shareholders')),
    price_fen BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE TABLE auction_preemption_shareholders (
    deal_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('waived', 'exercised')),
    decided_on TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_b64 TEXT NOT NULL,
    share_bp BIGINT,
    amount_fen BIGINT,
    PRIMARY KEY (deal_id, position)
);
