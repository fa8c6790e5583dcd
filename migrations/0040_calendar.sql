-- Holiday schedules at run time (docs/calendar.md): every imported version of every year, append-only.
-- The newest version of a year replaces the compiled-in schedule of that year.
CREATE TABLE calendar_schedules (
    year BIGINT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    toml TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    PRIMARY KEY (year, version)
);

-- Years a computation needed without a schedule (weekends-only, provisional results);
-- resolved when the year is imported.
CREATE TABLE calendar_missing (
    year BIGINT PRIMARY KEY,
    first_needed_at BIGINT NOT NULL,
    needed_by TEXT NOT NULL,
    resolved_at BIGINT
);

-- Consumers: a batch failing the same way several times parks the failing event and moves on.
ALTER TABLE consumer_cursors ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;

CREATE TABLE parked_events (
    consumer TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    error TEXT NOT NULL,
    parked_at BIGINT NOT NULL,
    replayed_at BIGINT,
    replay_outcome TEXT,
    PRIMARY KEY (consumer, seq)
);
