-- Issue 21 (experts): the government procurement pool flag (政府采购评审专家库; 政采条例 39),
-- the sections' market, procedure and budget as the projects area registered them (so that the
-- committee size of 87号令 47 follows from the section, not from a number staff type), and
-- person-level avoidance relations (政采条例 9; 评标规定 12; 实施条例 46).

-- 1 = the expert belongs to the procurement pool; procurement draws take only these.
ALTER TABLE experts ADD COLUMN procurement_pool BIGINT NOT NULL DEFAULT 0;

-- A projection of projects.section.registered (the experts area never reads projects' tables).
CREATE TABLE expert_section_terms (
    section_id TEXT PRIMARY KEY,
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    -- The estimated price / procurement budget (估算价/预算金额), CNY with 2 places, as text.
    budget TEXT
);

-- Relations of an expert with organizations (and their principals) that make the expert avoid a
-- draw. Never deleted: a relation ends by its `until_date`; ended ones still count for 3 years
-- where the law says so.
CREATE TABLE expert_relations (
    id TEXT PRIMARY KEY,
    expert_id TEXT NOT NULL REFERENCES experts (id),
    kind TEXT NOT NULL CHECK (kind IN ('employment', 'directorship', 'control', 'kinship', 'supervising_department')),
    org_uscc TEXT,
    org_name TEXT NOT NULL,
    -- Kinship: the principal (法定代表人/负责人) of the organization the expert is related to.
    person_name TEXT,
    -- Kinship: how (spouse, parent, sibling …), free text.
    detail TEXT,
    -- Supervising department: the market it supervises (NULL = every market).
    market TEXT,
    since_date TEXT,
    until_date TEXT,
    -- Where the relation is documented (e.g. 社保缴纳记录, 企业信用信息公示系统), and who recorded it.
    source TEXT NOT NULL,
    recorded_by_role TEXT NOT NULL CHECK (recorded_by_role IN ('expert', 'staff')),
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX expert_relations_expert ON expert_relations (expert_id);
