-- Qualification review (资格审查) of government procurement by the purchaser or its agency, after the
-- opening and before the committee's compliance review (财政部令第87号 第四十四条; issue 20). One row per
-- opened supplier; a supplier found not qualified has the reason it is told.
CREATE TABLE section_qualifications (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    org_name TEXT NOT NULL,
    qualified BIGINT NOT NULL,
    reason TEXT,
    reviewed_by TEXT NOT NULL,
    reviewed_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
