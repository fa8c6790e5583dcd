-- The minimum number of bidders of a live auction (拍卖会), per procedure (issue 21): the auctions
-- area's own rule rows (crates/auctions/src/land_auction.rs `min_bidders`, the pure rule
-- `rules::auction_may_start`). At the auction start the bidders with a bidder number (竞买号, a
-- valid deposit) AND a confirmed eligibility (竞买资格确认) are counted; fewer than `min_bidders`
-- terminate the auction before any bid (phase `failed`, outcome `too_few_bidders`, event
-- `auctions.auction.failed`). `min_bidders` NULL: no minimum. Portable SQL.
CREATE TABLE auction_procedure_rules (
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    min_bidders BIGINT,
    source TEXT NOT NULL,
    PRIMARY KEY (market, procedure)
);

-- 拍卖出让 of state-owned construction land-use rights. The "竞买人不足三人" condition is believed to
-- be in the 2002 text of 第十六条; the 2007 text as copied by 长春市政府令第11号 第二十三条 names only
-- the reserve price (docs/procedures.md): unconfirmed for the text in force.
INSERT INTO auction_procedure_rules VALUES ('land', 'land_auction', 3,
    '国土资源部令第39号 第十六条 (2002 text; unconfirmed for the 2007 text)');
-- 矿业权拍卖出让: no minimum found in a source (矿业权出让交易规则, 自然资规〔2023〕1号, not read).
INSERT INTO auction_procedure_rules VALUES ('land', 'mining_auction', NULL,
    '矿业权出让交易规则 (自然资规〔2023〕1号): no minimum number of bidders found');
-- The online auction that follows a listing (land or property): the listing's bidders decide it
-- (39号令 第二十条; 32号令), no minimum.
INSERT INTO auction_procedure_rules VALUES ('land', 'listing', NULL,
    '国土资源部令第39号 第二十条 (the listing decides who goes on to the auction): no minimum');
INSERT INTO auction_procedure_rules VALUES ('property', 'listing', NULL,
    '国资委 财政部令第32号: no minimum number of bidders');
INSERT INTO auction_procedure_rules VALUES ('property', 'asset_transfer', NULL,
    '国资委 财政部令第32号 第四章: no minimum number of bidders');

-- A failed capital increase (企业增资, 未征集到意向投资方; issue 21): after the disclosure end with no
-- qualified investor the enterprise or the centre records its failure (终结,
-- `POST /api/v1/capital-increases/{id}/failure`, crates/auctions/src/capital_increase/failure.rs).
-- The capital increase reads as phase `failed` when `failed_at` is set: the phase column's CHECK
-- (migration 0240) stays as it is, because SQLite cannot alter a CHECK without rebuilding a table
-- that four others reference.
ALTER TABLE capital_increases ADD COLUMN failed_at BIGINT;
ALTER TABLE capital_increases ADD COLUMN failure_reason TEXT;
ALTER TABLE capital_increases ADD COLUMN failed_by TEXT;
