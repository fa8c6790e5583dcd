-- Expert draws the operator cannot steer (issue 24): a two-step draw whose seed combines the
-- centre's committed secret, the supervisor's committed secret (revealed at the draw) and the
-- signed audit checkpoint fixed after both commitments were sealed into the log
-- (docs/experts.md "Draws the operator cannot steer"). One row per draw request; its id becomes
-- the draw's id. status: open (waiting for the supervisor), drawn, abandoned.
CREATE TABLE expert_draw_requests (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    request TEXT NOT NULL,
    place TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    centre_commitment TEXT NOT NULL,
    centre_secret TEXT NOT NULL,
    centre_event_id TEXT NOT NULL,
    supervisor_id TEXT,
    supervisor_commitment TEXT,
    supervisor_event_id TEXT,
    supervisor_committed_at BIGINT,
    checkpoint_size BIGINT,
    checkpoint_root TEXT,
    checkpoint_note TEXT,
    supervisor_secret TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    closed_at BIGINT,
    closed_reason TEXT
);
CREATE UNIQUE INDEX expert_draw_requests_one_open ON expert_draw_requests (section_id) WHERE status = 'open';
-- NULL: the draw's seed was the centre's alone (draws before this migration, venues-scheduled draws);
-- 'contributed-v1': the seed layout of draw::contributed_seed, inputs in expert_draw_requests.
ALTER TABLE expert_draws ADD COLUMN scheme TEXT;
