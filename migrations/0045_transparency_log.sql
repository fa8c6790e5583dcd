-- The event log as a Merkle tree (RFC 6962 / RFC 9162) and its signed checkpoints (C2SP
-- tlog-checkpoint in a signed note). Portable SQL.

-- How many sealed events the tree holds (the sealer grows it in the transaction that seals; a
-- database sealed before this migration is back-filled by the sealer).
ALTER TABLE event_chain ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0;

-- Every complete, aligned subtree: 2^level leaves starting at leaf idx * 2^level (level 0: the
-- leaf hashes SHA-256(0x00 || canonical event), leaf idx = seq - 1). Hashes are lowercase hex.
-- Any tree head and any inclusion or consistency proof is combined from O(log n) of these rows.
CREATE TABLE merkle_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Published checkpoints, one per tree size; note is the whole signed note as served.
CREATE TABLE log_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root_hash TEXT NOT NULL,
    origin TEXT NOT NULL,
    key_name TEXT NOT NULL,
    note TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE INDEX log_checkpoints_published_idx ON log_checkpoints (published_at);
