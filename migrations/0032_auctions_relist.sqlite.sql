-- Auctions: re-listing after a failure (with an approval step), on-site final auction booked through
-- venues, appraisal value (评估值) of property items. SQLite cannot alter a CHECK constraint, so the
-- `auctions` table is rebuilt with the new phases (PostgreSQL: 0032_auctions_relist.postgres.sql).

CREATE TABLE auctions_new (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('listing', 'auction', 'onsite_pending', 'pending_approval', 'deal', 'failed')),
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
    created_by TEXT NOT NULL,
    round BIGINT NOT NULL DEFAULT 1,
    final_auction TEXT NOT NULL DEFAULT 'online' CHECK (final_auction IN ('online', 'onsite')),
    appraisal_fen BIGINT
);

INSERT INTO auctions_new (id, section_id, project_id, market, phase, listing_start, listing_end,
    free_bid_secs, extension_secs, auction_start, ends_at, starting_fen, increment_fen, reserve_fen,
    current_fen, leader_org_id, version, outcome, created_at, created_by)
SELECT id, section_id, project_id, market, phase, listing_start, listing_end, free_bid_secs,
    extension_secs, auction_start, ends_at, starting_fen, increment_fen, reserve_fen, current_fen,
    leader_org_id, version, outcome, created_at, created_by
FROM auctions;

DROP TABLE auctions;
ALTER TABLE auctions_new RENAME TO auctions;

-- Bids belong to a round (a re-listing starts the next one; bidder numbers carry over).
ALTER TABLE auction_bids ADD COLUMN round BIGINT NOT NULL DEFAULT 1;

-- Re-listing requests (重新挂牌 / 延期 / 降价): applied at once, or after a second user's approval when a
-- property floor falls below 90% of the appraisal (32号令).
CREATE TABLE auction_relists (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    round BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('extend', 'lower_floor')),
    status TEXT NOT NULL CHECK (status IN ('pending_approval', 'approved', 'refused', 'applied')),
    listing_start BIGINT NOT NULL,
    listing_end BIGINT NOT NULL,
    starting_fen BIGINT NOT NULL,
    previous_starting_fen BIGINT NOT NULL,
    reserve_fen BIGINT,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    reason TEXT
);
CREATE INDEX auction_relists_auction ON auction_relists (auction_id, requested_at);

-- On-site auction bookings (现场竞价) learnt from venues events (purpose `auction`).
CREATE TABLE auction_onsite_bookings (
    booking_id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX auction_onsite_bookings_section ON auction_onsite_bookings (section_id);

-- Room names from `venues.room.created`.
CREATE TABLE auction_rooms (
    room_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
