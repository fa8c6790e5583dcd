-- Land and property markets (土地矿业权 / 产权交易): listings (挂牌) and online auctions (网络竞价).
-- Portable SQL: TEXT ids from the application, BIGINT microseconds, BIGINT fen, BIGINT 0/1 flags.

-- What the auctions area knows about a section, from projects and publishing events.
CREATE TABLE auction_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    name TEXT NOT NULL,
    announced_at BIGINT
);

-- Bidders (竞买人) of a section: registration and deposit status from events; the bidder number
-- (竞买号) is assigned once both hold.
CREATE TABLE auction_bidders (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    registered BIGINT NOT NULL,
    deposit_valid BIGINT NOT NULL,
    number TEXT,
    PRIMARY KEY (section_id, org_id),
    UNIQUE (section_id, number)
);

-- One listing per section; it may continue as an online auction. `version` orders the bids.
CREATE TABLE auctions (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('listing', 'auction', 'deal', 'failed')),
    listing_start BIGINT NOT NULL,
    listing_end BIGINT NOT NULL,
    free_bid_secs BIGINT NOT NULL,
    extension_secs BIGINT NOT NULL,
    auction_start BIGINT,
    ends_at BIGINT NOT NULL,
    starting_fen BIGINT NOT NULL,
    increment_fen BIGINT NOT NULL,
    reserve_fen BIGINT,
    current_fen BIGINT,
    leader_org_id TEXT,
    version BIGINT NOT NULL,
    outcome TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

-- The ordered bid log: seq = the auction's version after the bid (SSE resumes from it).
CREATE TABLE auction_bids (
    auction_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL,
    number TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    phase TEXT NOT NULL,
    at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    PRIMARY KEY (auction_id, seq)
);

-- Deal confirmations (成交确认书).
CREATE TABLE auction_deals (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    section_id TEXT NOT NULL,
    winner_org_id TEXT NOT NULL,
    winner_number TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    via TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL
);
