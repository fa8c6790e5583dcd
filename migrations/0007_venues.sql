-- Unified venue management (统一开评标场所管理) and on-site personnel (统一现场人员管理).
-- Portable SQL: TEXT ids from the application, BIGINT microseconds for instants, BIGINT 0/1 flags,
-- TEXT JSON.

-- A room. Opening hours are minutes of the local (Asia/Shanghai) day.
CREATE TABLE venue_rooms (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('opening_hall', 'evaluation_room', 'negotiation_room', 'auction_hall', 'remote_seat')),
    name TEXT NOT NULL,
    floor BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    equipment TEXT NOT NULL,
    isolated BIGINT NOT NULL,
    open_from BIGINT NOT NULL,
    open_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT venue_rooms_name_key UNIQUE (name)
);

-- Blocked periods (maintenance, reserved by the centre).
CREATE TABLE venue_blocks (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL REFERENCES venue_rooms (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX venue_blocks_room ON venue_blocks (room_id, starts_at);

CREATE TABLE venue_bookings (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL REFERENCES venue_rooms (id),
    section_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('opening', 'evaluation', 'negotiation', 'auction')),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('tentative', 'confirmed', 'cancelled')),
    committee_size BIGINT NOT NULL,
    staff_count BIGINT NOT NULL,
    hold_until BIGINT,
    created_by TEXT NOT NULL,
    created_org TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venue_bookings_start ON venue_bookings (starts_at);
CREATE INDEX venue_bookings_room ON venue_bookings (room_id, starts_at);

-- The lock table: one row per 15-minute slot of every live booking. The primary key is the
-- no-double-booking guarantee; cancelling or expiring a booking deletes its rows.
CREATE TABLE booking_slots (
    room_id TEXT NOT NULL,
    slot_start BIGINT NOT NULL,
    booking_id TEXT NOT NULL,
    PRIMARY KEY (room_id, slot_start)
);
CREATE INDEX booking_slots_booking ON booking_slots (booking_id);

-- Sections as learned from `projects.section.registered`.
CREATE TABLE venue_sections (
    section_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project_code TEXT,
    opening_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- On-site personnel of a booking (现场人员名册).
CREATE TABLE venue_roster (
    id TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES venue_bookings (id),
    role TEXT NOT NULL CHECK (role IN ('bidder_rep', 'tenderer', 'agency', 'supervisor', 'expert', 'staff')),
    name TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    authorization_ref TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT venue_roster_person_key UNIQUE (booking_id, resident_id)
);
CREATE INDEX venue_roster_resident ON venue_roster (resident_id);

-- Who is inside which room now (one row per person).
CREATE TABLE venue_presence (
    resident_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    isolated BIGINT NOT NULL,
    entered_at BIGINT NOT NULL
);
CREATE INDEX venue_presence_room ON venue_presence (room_id);

-- Every door attempt, allowed or refused.
CREATE TABLE venue_door_log (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    booking_id TEXT,
    resident_id TEXT NOT NULL,
    name TEXT,
    role TEXT,
    direction TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX venue_door_log_room ON venue_door_log (room_id, at);
CREATE INDEX venue_door_log_booking ON venue_door_log (booking_id);
