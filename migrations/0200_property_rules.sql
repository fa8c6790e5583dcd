-- State-owned property rights (产权交易), issue 21: the transferor (转让方) follows its own listing,
-- and a floor below 90 % of the appraisal carries the approving body's written consent as a document.
-- Portable SQL: TEXT ids, BIGINT microseconds.

-- The organization that registered the section's project (the transferor / tenderer), learnt from
-- `projects.section.registered` (`owner_org_id`). NULL for sections learnt before this column.
ALTER TABLE auction_sections ADD COLUMN owner_org_id TEXT;

-- The approving body's written consent (转让行为批准单位书面同意, 32号令 第十八条) to a new floor
-- below 90 % of the appraisal: the uploaded document (base64 of its bytes) with its SHA-256, who
-- signed it for which body and on which date, and the staff member who recorded it. One per
-- re-listing; never updated or deleted by the application.
CREATE TABLE auction_floor_consents (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    relist_id TEXT NOT NULL UNIQUE,
    approving_body TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    consented_on TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_b64 TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX auction_floor_consents_auction ON auction_floor_consents (auction_id);
