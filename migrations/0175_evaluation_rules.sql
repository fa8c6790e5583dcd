-- Evaluation rules of issue 21 (docs/procedures.md "Evaluation rules").
-- What the section buys (works / goods / survey_design / services, projects.section.registered):
-- the procurement minimum price weight depends on it (87号令 第五十五条).
ALTER TABLE eval_sections ADD COLUMN subject TEXT;
-- When the tender documents were issued (projects.section.bidding_opened) and the current bid
-- deadline (moved by projects.section.deadline_changed / a published change notice): the method is
-- fixed by the issued documents (评标规定 第十七条) unless a change notice at least 15 days before
-- the deadline changes it (招标投标法 第二十三条).
ALTER TABLE eval_sections ADD COLUMN issued_at BIGINT;
ALTER TABLE eval_sections ADD COLUMN bid_deadline BIGINT;
-- The seed of the lot drawn to break a tie the documents' rules leave (hex of 32 random bytes),
-- drawn once when the ranking is final and recorded in evaluation.tie.drawn.
ALTER TABLE eval_sections ADD COLUMN tie_seed TEXT;
ALTER TABLE eval_sections ADD COLUMN tie_drawn_at BIGINT;

-- Published change notices (变更/澄清公告) naming a section (publishing.announcement.published,
-- type change): a method changed after the documents were issued cites one.
CREATE TABLE eval_change_notices (
    section_id TEXT NOT NULL,
    announcement_id TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, announcement_id)
);

-- The committee's record on an abnormally low price (评标规定 第二十一条; 87号令 第六十条): the
-- bidder's written explanation and whether it proved the price reasonable; unreasonable → rejected.
CREATE TABLE eval_price_checks (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    reasonable BIGINT NOT NULL,
    explanation TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
