-- Issue 16: a listing period checked while a year's holiday schedule was missing (weekends only)
-- is provisional and checked again when the year is imported. `period_kind` says which legal period
-- the current round was checked against: the first listing, or the re-listing's kind.
ALTER TABLE auctions ADD COLUMN periods_provisional BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auctions ADD COLUMN period_kind TEXT NOT NULL DEFAULT 'listing';
