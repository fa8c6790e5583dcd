-- Land listings (国有建设用地使用权挂牌出让, 39号令 第二十条): staff confirm each bidder's eligibility
-- (竞买资格) before it may quote, and at the listing end several quoting bidders go on to a live
-- auction only when one of them asked to continue (要求继续竞价). Portable SQL.

-- The terms a land listing was created with (absent row: the listing predates them / opted out).
CREATE TABLE land_listing_terms (
    auction_id TEXT PRIMARY KEY,
    eligibility_review BIGINT NOT NULL,
    continuation TEXT NOT NULL CHECK (continuation IN ('automatic', 'on_request'))
);

-- Eligibility confirmed by staff (竞买资格确认), one row per bidder organization.
CREATE TABLE land_eligibility (
    auction_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL,
    PRIMARY KEY (auction_id, org_id)
);

-- Requests to continue to a live auction, per listing round.
CREATE TABLE land_continue_requests (
    auction_id TEXT NOT NULL,
    round BIGINT NOT NULL,
    org_id TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (auction_id, round, org_id)
);
