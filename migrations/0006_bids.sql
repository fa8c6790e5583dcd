-- Sealed bids (电子投标文件) and the server's receipt signing key. Portable SQL, same conventions
-- as 0001/0002. Only ciphertext metadata is stored: the package itself is a file under files_dir.

-- Ed25519 keys the server signs receipts (回执) with. Every instance shares them: the first one to
-- insert wins (ON CONFLICT DO NOTHING), the others read it back.
CREATE TABLE server_keys (
    id TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    secret_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per uploaded version of a bidder's sealed bid for a section. Replacing a bid before the
-- deadline supersedes the current version (kept); withdrawing marks it withdrawn.
CREATE TABLE bids (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES sections (id),
    org_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'withdrawn')),
    plaintext_digest TEXT NOT NULL,
    ciphertext_sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    device_fingerprint TEXT,
    file_creator TEXT,
    uploader_ip TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    receipt TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT bids_version_key UNIQUE (section_id, org_id, version)
);
CREATE INDEX bids_section_idx ON bids (section_id, status);

-- Decryption at opening: `sealed` until the bidder's key opens it (`decrypted`, with the price read
-- from the manifest), or `revoked` when the decryption window closed first (20号令).
ALTER TABLE bids ADD COLUMN decryption TEXT NOT NULL DEFAULT 'sealed';
ALTER TABLE bids ADD COLUMN price TEXT;
ALTER TABLE bids ADD COLUMN currency TEXT;

-- One opening (开标) per section: the decryption window and, once closed, the opening record.
CREATE TABLE bid_openings (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    state TEXT NOT NULL CHECK (state IN ('decrypting', 'closed')),
    started_at BIGINT NOT NULL,
    window_ends_at BIGINT NOT NULL,
    closed_at BIGINT,
    record TEXT
);
