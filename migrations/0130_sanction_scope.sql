-- Sanctions with a market scope and an early end (issue 22, item 4).
-- markets: 'all' or the markets it covers, comma-separated in the order of Market::ALL
-- (e.g. 'construction,procurement'). Rows listed before this migration cover every market.
ALTER TABLE sanctions ADD COLUMN markets TEXT NOT NULL DEFAULT 'all';
-- Ended early: the new last day in force (YYYY-MM-DD, included; before from_date = never in
-- force), why, who and when. NULL = runs to to_date.
ALTER TABLE sanctions ADD COLUMN ended_last_day TEXT;
ALTER TABLE sanctions ADD COLUMN end_reason TEXT;
ALTER TABLE sanctions ADD COLUMN ended_by TEXT;
ALTER TABLE sanctions ADD COLUMN ended_at BIGINT;
