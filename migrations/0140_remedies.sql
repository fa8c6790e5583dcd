-- Remedies (issue 20, part 1): objections (异议), challenges (质疑) and complaints (投诉) in every
-- market — crates/remedies, docs/remedies.md.

-- The legal periods of a remedy, one row per market, kind and target (national defaults).
-- raise_from: how the period for raising it is counted —
--   before_deadline   raised on or before the Beijing date `bid deadline − raise_days` (实施条例 22);
--   registered        raise_days after the raiser obtained the documents (its registration);
--   known             raise_days after the date the raiser states it knew (checked ≤ today);
--   during_opening    while the opening is in progress (实施条例 44: on the spot);
--   before_close      strictly before the section's bid / registration deadline (listings);
--   after_answer      raise_days after the answer of the objection / challenge it escalates, or
--                     after that answer's deadline passed unanswered (政采法 55).
-- suspends: always (the activity stops until the answer), supervisor (the supervisor may order it
-- when accepting a complaint), never. Day kinds: calendar | working. confirmed = 0 marks a row
-- whose article could not be confirmed (see its source text).
CREATE TABLE remedy_rules (
    market TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    raise_from TEXT NOT NULL,
    raise_days BIGINT NOT NULL,
    raise_day_kind TEXT NOT NULL,
    answer_days BIGINT,
    answer_day_kind TEXT,
    accept_days BIGINT,
    accept_day_kind TEXT,
    decide_days BIGINT,
    decide_day_kind TEXT,
    decide_from TEXT,
    suspends TEXT NOT NULL,
    suspend_max_days BIGINT,
    escalates_to TEXT,
    requires_prior TEXT,
    source TEXT NOT NULL,
    confirmed BIGINT NOT NULL,
    PRIMARY KEY (market, kind, target)
);

INSERT INTO remedy_rules VALUES
 ('construction', 'objection', 'documents', 'before_deadline', 10, 'calendar', 3, 'calendar', NULL, NULL, NULL, NULL, NULL, 'always', NULL, 'complaint', NULL,
  '招标投标法实施条例 第二十二条', 1),
 ('construction', 'objection', 'opening', 'during_opening', 0, 'calendar', 0, 'calendar', NULL, NULL, NULL, NULL, NULL, 'never', NULL, 'complaint', NULL,
  '招标投标法实施条例 第四十四条', 1),
 ('construction', 'complaint', 'documents', 'known', 10, 'calendar', NULL, NULL, 3, 'working', 30, 'working', 'accepted', 'supervisor', NULL, NULL, NULL,
  '招标投标法实施条例 第六十条、第六十一条、第六十二条', 1),
 ('construction', 'complaint', 'opening', 'known', 10, 'calendar', NULL, NULL, 3, 'working', 30, 'working', 'accepted', 'supervisor', NULL, NULL, NULL,
  '招标投标法实施条例 第六十条、第六十一条、第六十二条', 1),
 ('construction', 'complaint', 'process', 'known', 10, 'calendar', NULL, NULL, 3, 'working', 30, 'working', 'accepted', 'supervisor', NULL, NULL, NULL,
  '招标投标法实施条例 第六十条、第六十一条、第六十二条', 1),
 ('construction', 'complaint', 'result', 'known', 10, 'calendar', NULL, NULL, 3, 'working', 30, 'working', 'accepted', 'supervisor', NULL, NULL, NULL,
  '招标投标法实施条例 第六十条、第六十一条、第六十二条', 1),
 ('procurement', 'challenge', 'documents', 'registered', 7, 'working', 7, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, 'complaint', NULL,
  '政府采购法 第五十二条、第五十三条; 政府采购质疑和投诉办法 (财政部令第94号) 第十条、第十三条', 1),
 ('procurement', 'challenge', 'process', 'known', 7, 'working', 7, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, 'complaint', NULL,
  '政府采购法 第五十二条、第五十三条; 政府采购质疑和投诉办法 (财政部令第94号) 第十条、第十三条', 1),
 ('procurement', 'challenge', 'result', 'known', 7, 'working', 7, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, 'complaint', NULL,
  '政府采购法 第五十二条、第五十三条; 政府采购质疑和投诉办法 (财政部令第94号) 第十条、第十三条', 1),
 ('procurement', 'complaint', 'documents', 'after_answer', 15, 'working', NULL, NULL, 5, 'working', 30, 'working', 'raised', 'supervisor', 30, NULL, 'challenge',
  '政府采购法 第五十五条、第五十六条、第五十七条; 财政部令第94号 第十七条、第二十一条、第二十六条、第二十八条', 1),
 ('procurement', 'complaint', 'process', 'after_answer', 15, 'working', NULL, NULL, 5, 'working', 30, 'working', 'raised', 'supervisor', 30, NULL, 'challenge',
  '政府采购法 第五十五条、第五十六条、第五十七条; 财政部令第94号 第十七条、第二十一条、第二十六条、第二十八条', 1),
 ('procurement', 'complaint', 'result', 'after_answer', 15, 'working', NULL, NULL, 5, 'working', 30, 'working', 'raised', 'supervisor', 30, NULL, 'challenge',
  '政府采购法 第五十五条、第五十六条、第五十七条; 财政部令第94号 第十七条、第二十一条、第二十六条、第二十八条', 1),
 ('land', 'objection', 'listing', 'before_close', 0, 'calendar', 5, 'working', NULL, NULL, NULL, NULL, NULL, 'always', NULL, NULL, NULL,
  '招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) — article on objections not confirmed', 0),
 ('land', 'objection', 'deal', 'known', 10, 'working', 5, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, NULL, NULL,
  '国土资源部令第39号 第二十二条 (result published within 10 working days); objection article not confirmed', 0),
 ('property', 'objection', 'listing', 'before_close', 0, 'calendar', 5, 'working', NULL, NULL, NULL, NULL, NULL, 'always', NULL, NULL, NULL,
  '企业国有资产交易监督管理办法 (国资委 财政部令第32号) — article on objections not confirmed', 0),
 ('property', 'objection', 'deal', 'known', 5, 'working', 5, 'working', NULL, NULL, NULL, NULL, NULL, 'never', NULL, NULL, NULL,
  '国资委 财政部令第32号 (deal publicity ≥ 5 working days); objection article not confirmed', 0);

-- The remedies area's own copy of sections, from projects' events.
CREATE TABLE rem_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    project_code TEXT NOT NULL,
    market TEXT NOT NULL,
    owner_org_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    bid_deadline BIGINT NOT NULL,
    opening_at BIGINT NOT NULL
);

-- Organizations that obtained the documents of a section (registered bidders / suppliers).
CREATE TABLE rem_parties (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

CREATE TABLE remedy_cases (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    market TEXT NOT NULL,
    section_id TEXT NOT NULL,
    target TEXT NOT NULL,
    raised_by_org TEXT NOT NULL,
    raised_by_user TEXT NOT NULL,
    grounds TEXT NOT NULL,
    attachments TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    raise_deadline BIGINT,
    known_on TEXT,
    state TEXT NOT NULL,
    parent_id TEXT,
    child_id TEXT,
    answer TEXT,
    answered_at BIGINT,
    answered_by TEXT,
    answer_due BIGINT,
    changes_documents BIGINT NOT NULL DEFAULT 0,
    new_bid_deadline BIGINT,
    accept_due BIGINT,
    accepted_at BIGINT,
    refusal_reason TEXT,
    decide_due BIGINT,
    decision TEXT,
    decision_reason TEXT,
    decided_at BIGINT,
    suspending BIGINT NOT NULL DEFAULT 0,
    suspend_until BIGINT,
    source TEXT NOT NULL,
    provisional BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX remedy_cases_section ON remedy_cases (section_id, raised_at);
CREATE INDEX remedy_cases_org ON remedy_cases (raised_by_org, raised_at);
CREATE INDEX remedy_cases_state ON remedy_cases (kind, state);

-- The projects area's record of the suspensions remedies ordered (crates/projects/src/suspension.rs).
CREATE TABLE section_suspensions (
    section_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (section_id, case_id)
);
