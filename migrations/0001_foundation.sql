-- Foundation schema. Portable SQL for SQLite and PostgreSQL: ids are application-generated TEXT,
-- integers are BIGINT, instants are BIGINT microseconds since the Unix epoch (UTC), money is BIGINT fen,
-- JSON is TEXT. Booleans are BIGINT 0/1 (one decoding path on both engines).

-- Domain events (outbox). Writers insert with seq NULL; the sealer assigns seq and the hash chain
-- after commit, so sequence order is commit-visible order and no writer locks the chain head.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_org TEXT,
    occurred_at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT,
    prev_hash TEXT,
    hash TEXT,
    CONSTRAINT events_seq_key UNIQUE (seq)
);
CREATE INDEX events_unsealed_idx ON events (occurred_at, id) WHERE seq IS NULL;
CREATE INDEX events_aggregate_idx ON events (aggregate_type, aggregate_id, seq);
CREATE INDEX events_type_idx ON events (event_type, seq);
CREATE INDEX events_actor_org_idx ON events (actor_org, seq);

-- The head of the sealed chain: touched only by the sealer.
CREATE TABLE event_chain (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO event_chain (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Each consumer's position in the sealed log.
CREATE TABLE consumer_cursors (
    consumer TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_error TEXT
);

-- Durable one-shot timers.
CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    fired_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT timers_dedupe_key UNIQUE (dedupe_key)
);
CREATE INDEX timers_due_idx ON timers (status, due_at);

-- One row per (periodic job, tick): the instance that inserts it runs that firing.
CREATE TABLE cron_runs (
    job TEXT NOT NULL,
    tick BIGINT NOT NULL,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT,
    PRIMARY KEY (job, tick)
);

-- Idempotency-Key: the first answer to a (principal, key) is replayed for retries.
CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT,
    content_type TEXT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (principal, idem_key)
);

-- Organizations (identified by USCC) and users.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    legal_representative TEXT,
    legal_representative_id TEXT,
    basic_account_bank TEXT,
    basic_account_no TEXT,
    region TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT organizations_uscc_key UNIQUE (uscc)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'tenderer', 'agency', 'bidder', 'expert', 'supervisor', 'bank')),
    org_id TEXT REFERENCES organizations (id),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

-- Bearer tokens, stored as SHA-256 of the token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    ip TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed logins, for throttling per account and per address.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_user_idx ON login_failures (username, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);
