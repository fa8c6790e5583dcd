-- Issue 20: a complaint decision voiding the result (remedies.case.decided, decision result_void;
-- 招标投标法实施条例 第八十一条, 政府采购质疑和投诉办法 财政部令第94号 第三十二条) sends the section back to
-- evaluation. What the section had is kept, not deleted: the projects area moves its result
-- (section_evaluations), award (section_awards) and procurement award path (procurement_awards) here,
-- and the evaluation area keeps the committee's voided round (report, reviews, scores).

CREATE TABLE section_voided_results (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    remedy_case_id TEXT NOT NULL,
    -- The state the section left (publicizing, awarded, ...).
    previous_state TEXT NOT NULL,
    -- JSON copies of the rows as they were; award/procurement NULL when there was none.
    evaluation TEXT,
    award TEXT,
    procurement TEXT,
    voided_at BIGINT NOT NULL
);
CREATE INDEX section_voided_results_section ON section_voided_results (section_id, voided_at);

CREATE TABLE eval_voided_rounds (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    remedy_case_id TEXT,
    -- The signed report (JSON) and its time, NULL when the round was not signed.
    report TEXT,
    signed_at BIGINT,
    -- JSON arrays of the members' stage-1 reviews and stage-2 scores of the round.
    reviews TEXT NOT NULL,
    scores TEXT NOT NULL,
    -- JSON array of the round's abnormally-low-price records (eval_price_checks).
    price_checks TEXT NOT NULL,
    voided_at BIGINT NOT NULL
);
CREATE INDEX eval_voided_rounds_section ON eval_voided_rounds (section_id, voided_at);
