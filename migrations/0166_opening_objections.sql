-- Objections raised at the opening and their on-the-spot answers (招标投标法实施条例 第四十四条),
-- the projects area's record of them, kept from the remedies area's events
-- (crates/projects/src/opening_objections.rs) and listed in the opening record.
CREATE TABLE opening_objections (
    case_id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    grounds TEXT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    answered_late INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX opening_objections_section ON opening_objections (section_id, raised_at);
