-- Issue 21: the bidders' SME declarations (中小企业声明函, 财库〔2020〕46号) as the evaluation learns
-- them from projects.bid.decrypted (sealed in the bid package's manifest until the opening).
CREATE TABLE eval_sme_declarations (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    scale TEXT NOT NULL,
    by_small_micro BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
