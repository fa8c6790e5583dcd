-- Accounts of organizations other than the centre are not created by the platform administrator
-- (who could then sign in as a bidder): centre staff who verified the organization, or a member
-- of the organization itself, issue a one-time invitation; the organization's person accepts it
-- with a password only they know. The code is stored as SHA-256 only.
CREATE TABLE user_invitations (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    role TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    user_id TEXT,
    CONSTRAINT user_invitations_code_key UNIQUE (code_hash)
);
CREATE INDEX user_invitations_org_idx ON user_invitations (org_id);
