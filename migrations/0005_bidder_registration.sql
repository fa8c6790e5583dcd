-- Bidder registration (投标报名). Portable SQL, same conventions as 0001/0002.

-- The projects area's own copy of organizations, filled from `identity.organization.registered`
-- (areas never read each other's tables).
CREATE TABLE project_orgs (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    legal_representative TEXT,
    legal_representative_id TEXT,
    region TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX project_orgs_uscc_idx ON project_orgs (uscc);
CREATE INDEX project_orgs_rep_idx ON project_orgs (legal_representative_id);

-- Controlling or management relations (控股/管理关系) an organization declares with another one,
-- named by USCC (实施条例 34). Read in both directions.
CREATE TABLE org_relations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    related_uscc TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('control', 'management')),
    declared_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT org_relations_pair_key UNIQUE (org_id, related_uscc, kind)
);
CREATE INDEX org_relations_related_idx ON org_relations (related_uscc);

-- Sanctions list kept by supervisors: debarred (禁止参与投标) or dishonest (失信) organizations,
-- for a period of local dates (YYYY-MM-DD, both ends included).
CREATE TABLE sanctions (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('debarred', 'dishonest')),
    reason TEXT NOT NULL,
    source_document TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sanctions_uscc_idx ON sanctions (uscc, from_date);

-- A bidder's registration for a section (投标报名). The list is confidential until the deadline.
CREATE TABLE section_registrations (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES sections (id),
    org_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    org_name TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT section_registrations_org_key UNIQUE (section_id, org_id)
);
