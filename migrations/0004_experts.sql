-- Unified expert pool (统一专家库管理). Portable SQL: TEXT ids from the application, BIGINT
-- microseconds for instants, TEXT JSON.

-- An evaluation expert (评标专家). `specialties` is a JSON array of codes like "A08.02".
CREATE TABLE experts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    employer_uscc TEXT NOT NULL,
    employer_name TEXT NOT NULL,
    specialties TEXT NOT NULL,
    title TEXT NOT NULL CHECK (title IN ('full_senior', 'senior', 'intermediate', 'junior')),
    years BIGINT NOT NULL,
    region TEXT NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'retired')),
    suspended_reason TEXT,
    suspended_from BIGINT,
    suspended_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT experts_resident_id_key UNIQUE (resident_id)
);

-- Leave periods (请假): the expert is not drawn for a session overlapping one.
CREATE TABLE expert_leaves (
    id TEXT PRIMARY KEY,
    expert_id TEXT NOT NULL REFERENCES experts (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE INDEX expert_leaves_expert_idx ON expert_leaves (expert_id);

-- Declared conflicts of interest (申报回避) with organizations, by USCC.
CREATE TABLE expert_conflicts (
    expert_id TEXT NOT NULL REFERENCES experts (id),
    org_uscc TEXT NOT NULL,
    PRIMARY KEY (expert_id, org_uscc)
);

-- A draw (随机抽取). `seed` stays secret (never returned) until `revealed_at`; `commitment` is
-- sha256(seed) and is emitted before the result. `snapshot` is the canonical eligible pool.
CREATE TABLE expert_draws (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    request TEXT NOT NULL,
    tenderer_uscc TEXT NOT NULL,
    session_start BIGINT NOT NULL,
    session_end BIGINT NOT NULL,
    commitment TEXT NOT NULL,
    seed TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    snapshot_digest TEXT NOT NULL,
    exclusions TEXT NOT NULL,
    result TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revealed_at BIGINT,
    CONSTRAINT expert_draws_attempt_key UNIQUE (section_id, attempt)
);

-- Committee members of each draw, for the booked / recently-drawn avoidance of later draws.
CREATE TABLE expert_assignments (
    draw_id TEXT NOT NULL REFERENCES expert_draws (id),
    expert_id TEXT NOT NULL REFERENCES experts (id),
    tenderer_uscc TEXT NOT NULL,
    session_start BIGINT NOT NULL,
    session_end BIGINT NOT NULL,
    drawn_at BIGINT NOT NULL,
    PRIMARY KEY (draw_id, expert_id)
);
CREATE INDEX expert_assignments_expert_idx ON expert_assignments (expert_id);
