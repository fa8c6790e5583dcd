-- Expert pool, part 2: the expert's login and e-mail, confirmation and replacement of drawn
-- members, the notification outbox, projections of other areas' events, ratings and violations.
-- Portable SQL: TEXT ids from the application, BIGINT microseconds, TEXT JSON, BIGINT 0/1.

-- The user account (identity `users.id`) an expert logs in with; set by staff. Confirmation,
-- declining and the venues roster map a login to an expert through it.
ALTER TABLE experts ADD COLUMN user_id TEXT;
ALTER TABLE experts ADD COLUMN email TEXT;
CREATE UNIQUE INDEX experts_user_id_key ON experts (user_id);

-- Draw lifecycle beyond the selection: the venues session it serves, cancellation, publicity.
ALTER TABLE expert_draws ADD COLUMN session_id TEXT;
ALTER TABLE expert_draws ADD COLUMN room_name TEXT;
ALTER TABLE expert_draws ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE expert_draws ADD COLUMN cancelled_at BIGINT;
CREATE INDEX expert_draws_session_idx ON expert_draws (session_id);
CREATE INDEX expert_draws_section_idx ON expert_draws (section_id);

-- Each drawn member and called backup. `position` orders backups as the selection produced them.
-- status: pending (asked to confirm), confirmed, declined, timed_out, recused, standby (a backup
-- not called), cancelled (the draw was cancelled).
CREATE TABLE expert_draw_members (
    draw_id TEXT NOT NULL REFERENCES expert_draws (id),
    expert_id TEXT NOT NULL REFERENCES experts (id),
    specialty TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('member', 'backup')),
    position BIGINT NOT NULL,
    status TEXT NOT NULL,
    confirm_by BIGINT,
    replaces TEXT,
    replaced_by TEXT,
    reason TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (draw_id, expert_id)
);

-- Notification outbox: written in the transaction that decides to notify, sent later by the
-- notifier (retry with backoff). `body` holds only time and place.
CREATE TABLE expert_notifications (
    id TEXT PRIMARY KEY,
    draw_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX expert_notifications_due_idx ON expert_notifications (status, next_attempt_at);

-- Projections of other areas' events (this area never reads their tables).
CREATE TABLE expert_orgs (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE expert_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    tenderer_uscc TEXT NOT NULL,
    owner_org_id TEXT,
    publicized_at BIGINT
);
CREATE TABLE expert_section_bidders (
    section_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    PRIMARY KEY (section_id, uscc)
);

-- Ratings after the evaluation (one per rater and expert and draw).
CREATE TABLE expert_ratings (
    id TEXT PRIMARY KEY,
    draw_id TEXT NOT NULL REFERENCES expert_draws (id),
    expert_id TEXT NOT NULL REFERENCES experts (id),
    rater_user_id TEXT NOT NULL,
    rater_role TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT expert_ratings_once_key UNIQUE (draw_id, expert_id, rater_user_id)
);
CREATE INDEX expert_ratings_expert_idx ON expert_ratings (expert_id, created_at);

-- Violations reported by the venue area (recorded once per source event).
CREATE TABLE expert_violations (
    id TEXT PRIMARY KEY,
    expert_id TEXT NOT NULL REFERENCES experts (id),
    session_id TEXT,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    source_event_id TEXT NOT NULL,
    CONSTRAINT expert_violations_event_key UNIQUE (source_event_id)
);
CREATE INDEX expert_violations_expert_idx ON expert_violations (expert_id, at);

-- Accounts from identity events (to check that a linked user exists and has the expert role).
CREATE TABLE expert_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT
);
