-- Remedies (issue 21's remedy paths, docs/remedies.md "Prequalification and single-source
-- publicity"): objections to the prequalification documents and objections during the
-- single-source publicity, with the remedies area's copy of what it needs from projects' events.

-- The procedure, the documents' issue (the single-source publicity's start) and the open
-- prequalification round's applications deadline (NULL: no round open).
ALTER TABLE rem_sections ADD COLUMN procedure TEXT;
ALTER TABLE rem_sections ADD COLUMN docs_issue_at BIGINT;
ALTER TABLE rem_sections ADD COLUMN prequal_due BIGINT;

-- raise_from (in addition to migration 0140):
--   before_applications_due  raised on or before the Beijing date `applications due − raise_days`
--                            (实施条例 22: "提交资格预审申请文件截止时间2日前");
--   during_publicity         from the publicity's start (the documents' issue) until raise_days
--                            after it (74号令 第三十八条: the publicity ≥ 5 working days); the
--                            answer is counted from the publicity's end (74号令 第四十条).
INSERT INTO remedy_rules VALUES
 ('construction', 'objection', 'prequalification', 'before_applications_due', 2, 'calendar', 3, 'calendar', NULL, NULL, NULL, NULL, NULL, 'always', NULL, 'complaint', NULL,
  '招标投标法实施条例 第二十二条 (资格预审文件: 提交资格预审申请文件截止时间2日前提出; 3日内答复; 答复前暂停招标投标活动)', 1),
 ('construction', 'complaint', 'prequalification', 'known', 10, 'calendar', NULL, NULL, 3, 'working', 30, 'working', 'accepted', 'supervisor', NULL, NULL, NULL,
  '招标投标法实施条例 第六十条、第六十一条、第六十二条', 1),
 ('procurement', 'objection', 'publicity', 'during_publicity', 5, 'working', 5, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, NULL, NULL,
  '政府采购非招标采购方式管理办法 (财政部令第74号) 第三十九条 (objections in writing during the single-source publicity), 第四十条 (supplementary review within 5 working days after the publicity ends) — article numbers not verified against the official text', 0);
