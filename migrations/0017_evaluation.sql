-- Online evaluation (电子评标): the evaluation area's own projection of sections, opening records and
-- committees (from events), the members' reviews and scores, the signed report. Portable SQL: TEXT
-- ids, BIGINT microseconds, BIGINT fen, TEXT JSON, BIGINT 0/1 flags.

-- What evaluation knows about a section (projects events) and its declared method.
CREATE TABLE eval_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    owner_org_id TEXT NOT NULL,
    estimate_fen BIGINT NOT NULL,
    -- MethodSpec JSON (crates/evaluation/src/rules.rs), NULL until declared.
    method TEXT,
    -- Bids received (projects.bid.submitted); the method is frozen from the first one.
    bid_count BIGINT NOT NULL,
    -- Entries of the opening record (projects.opening.recorded), JSON, NULL before the opening.
    entries TEXT,
    -- The signed report, JSON, once every member signed.
    report TEXT,
    signed_at BIGINT,
    -- The evaluation session (venues.session.*): members work only inside [start, end].
    session_id TEXT,
    session_start BIGINT,
    session_end BIGINT,
    updated_at BIGINT NOT NULL
);

-- The committee (experts.draw.completed / experts.member.replaced).
CREATE TABLE eval_members (
    section_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    user_id TEXT,
    name TEXT NOT NULL,
    active BIGINT NOT NULL,
    reviewed_at BIGINT,
    scored_at BIGINT,
    signed_at BIGINT,
    sign_note TEXT,
    -- 1 when the member refused to sign (with the reason in sign_note).
    sign_refused BIGINT NOT NULL DEFAULT 0,
    -- The member this one votes for as chair (组长), NULL before voting.
    chair_vote TEXT,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, expert_id)
);
CREATE INDEX eval_members_user ON eval_members (user_id);

-- Stage 1: one verdict per member and bid (符合性/资格审查).
CREATE TABLE eval_reviews (
    section_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    pass BIGINT NOT NULL,
    items TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (section_id, expert_id, org_id)
);

-- Stage 2: one member's points per bid, JSON {criterion code: "points"}.
CREATE TABLE eval_scores (
    section_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    points TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (section_id, expert_id, org_id)
);

-- Clarifications (澄清) asked of a bidder by the committee; the answer cannot change the price.
CREATE TABLE eval_clarifications (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    asked_by TEXT NOT NULL,
    question TEXT NOT NULL,
    reply_by BIGINT NOT NULL,
    asked_at BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT
);
CREATE INDEX eval_clarifications_section ON eval_clarifications (section_id, org_id);
