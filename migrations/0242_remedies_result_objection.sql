-- Remedies (issue 20, rem20d): the construction result objection (异议 to the evaluation result,
-- 招标投标法实施条例 第五十四条) is a remedies case like the others — docs/remedies.md.
--
-- raise_from (in addition to migrations 0140 and 0220):
--   during_candidate_publicity  while the candidate publicity (中标候选人公示) runs, strictly before
--                               its end (the remedies area learns the end from
--                               `projects.candidates.publicized` / `projects.due_date.rederived`).
-- 第五十四条: "投标人或者其他利害关系人对依法必须进行招标的项目的评标结果有异议的，应当在中标候选人
-- 公示期间提出。招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动。"
-- The answer period is 3 calendar days; the award waits (suspension scope `award`) until the
-- answer; the raiser may escalate to a complaint (实施条例 60).
ALTER TABLE rem_sections ADD COLUMN publicity_ends BIGINT;

INSERT INTO remedy_rules VALUES
 ('construction', 'objection', 'result', 'during_candidate_publicity', 0, 'calendar', 3, 'calendar', NULL, NULL, NULL, NULL, NULL, 'always', NULL, 'complaint', NULL,
  '招标投标法实施条例 第五十四条 (评标结果异议: 中标候选人公示期间提出; 3日内答复; 答复前暂停招标投标活动)', 1);
