-- Bids the evaluation committee rejected in its qualification/compliance review, as projects learns
-- them from `evaluation.bid.rejected` (issue 20: the mandatory 废标 of government procurement when
-- fewer than 3 qualified or compliant suppliers remain, 政府采购法 第三十六条; 财政部令第87号 第四十三条).
CREATE TABLE section_review_rejections (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
