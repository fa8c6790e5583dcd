-- The evaluation area's own record of the suspensions the remedies area ordered
-- (crates/evaluation/src/suspension.rs): while a section has one, the committee's steps are refused
-- (招标投标法实施条例 第二十二条、第六十二条; 政府采购法 第五十七条).
CREATE TABLE eval_suspensions (
    section_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (section_id, case_id)
);
