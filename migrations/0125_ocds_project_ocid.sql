-- Issue 22 item 5: one OCDS contracting process per project, its sections as lots (lots
-- extension). Releases written before this migration were keyed by section; they are re-keyed to
-- their project so that every release of a project shares one ocid (nothing was in production,
-- docs/publishing.md "OCDS 1.1"). A section publishing never learnt the project of keeps its key.
UPDATE ocds_releases
SET ocid = (SELECT s.project_id FROM publishing_sections s WHERE s.section_id = ocds_releases.section_id)
WHERE EXISTS (
    SELECT 1 FROM publishing_sections s
    WHERE s.section_id = ocds_releases.section_id AND s.project_id <> ''
);

-- The bids of an opening as published in OCDS (bids extension): which bid an organization's is,
-- so a later disqualification (evaluation.bid.rejected) updates that bid, and the distinct
-- tenderers of a project (tender.numberOfTenderers across its lots) and the bid statistics.
CREATE TABLE publishing_ocds_bids (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    party_id TEXT NOT NULL,
    party_name TEXT NOT NULL,
    -- bidStatus code: valid or disqualified.
    status TEXT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
CREATE INDEX publishing_ocds_bids_project ON publishing_ocds_bids (project_id);
