-- Evaluation committees (评标委员会) known to the projects area, from the experts area's events
-- `experts.draw.completed` (recorded) and `experts.draw.cancelled` (inactive). An evaluation result
-- entered through the API must name one of them (issue 24, item 8). Portable SQL.
CREATE TABLE section_committees (
    draw_id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    session_id TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX section_committees_section_idx ON section_committees (section_id, active);
