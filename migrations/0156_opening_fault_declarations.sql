-- Declarations by centre staff that a bid could not be decrypted because of the platform or the CA
-- (issue 21): the bid is deemed withdrawn (撤回, decryption 'withdrawn_platform_fault'), not revoked
-- (撤销, the bidder's fault) — 电子招标投标办法 第三十一条. One per bid; shown in the opening record.
CREATE TABLE opening_fault_declarations (
    bid_id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    fault TEXT NOT NULL CHECK (fault IN ('platform', 'ca')),
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    basis TEXT NOT NULL
);
CREATE INDEX opening_fault_declarations_section ON opening_fault_declarations (section_id);
