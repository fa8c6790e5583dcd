-- The demo's own table (crates/server/src/demo_trades.rs): the keys of the sealed bids the sandbox
-- seeded, so the demo worker submits them during each decryption window as the bidders would.
-- Only a sandbox writes it. status: pending → submitted | given_up (the window closed first).
CREATE TABLE demo_sealed_bids (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    key_b64 TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
CREATE INDEX demo_sealed_bids_pending ON demo_sealed_bids (status);
