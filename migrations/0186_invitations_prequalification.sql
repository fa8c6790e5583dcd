-- Invited tender (邀请招标, 招标投标法 17): the invitation letters (投标邀请书) of a section.
CREATE TABLE section_invitees (
    section_id TEXT NOT NULL REFERENCES sections (id),
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    invited_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, uscc)
);

-- Interested parties of the tenderer declared on a section (与招标人存在利害关系, 实施条例 34):
-- they may not register.
CREATE TABLE section_interested_parties (
    section_id TEXT NOT NULL REFERENCES sections (id),
    uscc TEXT NOT NULL,
    relation TEXT NOT NULL CHECK (relation IN ('control', 'management', 'shareholding', 'other')),
    detail TEXT,
    declared_by TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, uscc)
);

-- Prequalification (资格预审, 实施条例 15–21): one round per attempt; a round with fewer qualified
-- applicants than required fails and a new round is opened (实施条例 19).
CREATE TABLE prequalifications (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL REFERENCES sections (id),
    round BIGINT NOT NULL,
    docs_issue_at BIGINT NOT NULL,
    docs_sale_end_at BIGINT NOT NULL,
    applications_due_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'qualified', 'failed')),
    reviewer TEXT CHECK (reviewer IN ('committee', 'tenderer')),
    reviewed_by TEXT,
    reviewed_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT prequalifications_round_key UNIQUE (section_id, round)
);

CREATE TABLE prequalification_applications (
    id TEXT PRIMARY KEY,
    prequalification_id TEXT NOT NULL REFERENCES prequalifications (id),
    org_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    org_name TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    qualified BIGINT,
    reason TEXT,
    CONSTRAINT prequalification_applications_org_key UNIQUE (prequalification_id, org_id)
);

-- Re-tender after 流标: the new section refers to the failed one (one re-tender per failed
-- section), with the reason and, for a change of procedure, the approval recorded.
CREATE TABLE section_retenders (
    new_section_id TEXT PRIMARY KEY REFERENCES sections (id),
    old_section_id TEXT NOT NULL REFERENCES sections (id),
    reason TEXT NOT NULL,
    old_procedure TEXT NOT NULL,
    new_procedure TEXT NOT NULL,
    approval_document TEXT,
    approved_by TEXT,
    approved_on TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT section_retenders_old_key UNIQUE (old_section_id)
);
