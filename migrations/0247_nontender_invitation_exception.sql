-- Procurement's non-tender methods (issue 21), docs/procedures.md "Procurement non-tender methods".
--
-- Consultation's 2-supplier exception (竞争性磋商): declared on a section before bidding opens, with
-- its ground and the purchaser's reason. `ground`: `research` (市场竞争不充分的科研项目) or
-- `technology_transfer` (需要扶持的科技成果转化项目; 财库〔2014〕214号 第三条第四项、第二十一条第三款、
-- 第三十四条第三项, to verify), `government_services` (政府购买服务项目 incl. PPP; 财库〔2015〕124号).
-- With it the consultation goes on with 2 qualified suppliers; 1 still ends it.
CREATE TABLE nontender_exceptions (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    ground TEXT NOT NULL,
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at BIGINT NOT NULL
);

-- How the suppliers of a negotiation, inquiry or consultation are invited (财政部令第74号 第十二条;
-- 财库〔2014〕214号 第六条): `announcement` (open registration), `draw` (a random draw from a
-- supplier database: `pool` names it, `pool_suppliers` is the JSON array [{uscc, name}] drawn
-- from, `seed` the recorded seed, `draw_count` how many were drawn) or `recommendation` (written
-- recommendations by the purchaser and the evaluation experts). No row: announcement.
CREATE TABLE nontender_invitations (
    section_id TEXT PRIMARY KEY REFERENCES sections (id),
    method TEXT NOT NULL,
    pool TEXT,
    pool_suppliers TEXT,
    seed TEXT,
    draw_count BIGINT,
    declared_by TEXT NOT NULL,
    declared_at BIGINT NOT NULL
);

-- The invited suppliers (draw or recommendation): only they may register. `source` is `draw`,
-- `purchaser` or `expert`; `recommender` names who recommended (the purchaser's or the expert's
-- written recommendation); `draw_key` is the supplier's key in the draw (SHA-256 of `seed:uscc`).
CREATE TABLE nontender_invitees (
    section_id TEXT NOT NULL REFERENCES sections (id),
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    recommender TEXT,
    draw_key TEXT,
    invited_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, uscc)
);
