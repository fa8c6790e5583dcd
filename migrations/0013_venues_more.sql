-- Venues, second part: evaluation sessions with their expert draw, experts on the roster from the
-- expert-pool events, flagged bookings, violations. Portable SQL (both engines).

-- A booking that could not follow its section's new opening time keeps its old slots and carries
-- the reason here until staff move or cancel it (never silently lost).
ALTER TABLE venue_bookings ADD COLUMN conflict TEXT;

-- The expert-pool id of an expert roster entry (the draw events name experts by this id).
ALTER TABLE venue_roster ADD COLUMN expert_id TEXT;

-- An evaluation session (评标会): its id is the id of its booking.
CREATE TABLE venue_sessions (
    id TEXT PRIMARY KEY REFERENCES venue_bookings (id),
    section_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    draw_spec TEXT,
    draw_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venue_sessions_section ON venue_sessions (section_id);
CREATE INDEX venue_sessions_draw ON venue_sessions (draw_id);

-- Experts drawn for a session, as the expert-pool events name them. `resident_id` is known when the
-- event carries it or once staff checked the identity card; only then is the expert on the door roster.
CREATE TABLE venue_session_experts (
    session_id TEXT NOT NULL REFERENCES venue_sessions (id),
    expert_id TEXT NOT NULL,
    name TEXT NOT NULL,
    resident_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('drawn', 'replaced')),
    draw_id TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, expert_id)
);
CREATE INDEX venue_session_experts_expert ON venue_session_experts (expert_id);

-- Which login account is which pool expert (for "my sessions").
CREATE TABLE venue_expert_accounts (
    expert_id TEXT PRIMARY KEY,
    user_id TEXT,
    username TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venue_expert_accounts_user ON venue_expert_accounts (user_id);
CREATE INDEX venue_expert_accounts_username ON venue_expert_accounts (username);

-- Violations at the door (refused entry, late arrival, expert leaving early, over capacity).
CREATE TABLE venue_violations (
    id TEXT PRIMARY KEY,
    session_id TEXT,
    room_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_role TEXT,
    resident_id TEXT,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX venue_violations_session ON venue_violations (session_id);
CREATE INDEX venue_violations_room ON venue_violations (room_id, at);
