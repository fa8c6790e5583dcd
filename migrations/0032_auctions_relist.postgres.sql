-- Auctions: re-listing after a failure (with an approval step), on-site final auction booked through
-- venues, appraisal value (评估值) of property items (SQLite: 0032_auctions_relist.sqlite.sql).

ALTER TABLE auctions DROP CONSTRAINT auctions_phase_check;
ALTER TABLE auctions ADD CONSTRAINT auctions_phase_check
    CHECK (phase IN ('listing', 'auction', 'onsite_pending', 'pending_approval', 'deal', 'failed'));
ALTER TABLE auctions ADD COLUMN round BIGINT NOT NULL DEFAULT 1;
ALTER TABLE auctions ADD COLUMN final_auction TEXT NOT NULL DEFAULT 'online'
    CHECK (final_auction IN ('online', 'onsite'));
ALTER TABLE auctions ADD COLUMN appraisal_fen BIGINT;

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
