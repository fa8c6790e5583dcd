-- Names of sections and their projects as the projects area announced them
-- (projects.section.registered), so the draw pages label a section by name, not by UUID.
-- A projection: the experts area never reads the projects area's tables.
CREATE TABLE expert_section_names (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    project_code TEXT,
    project_name TEXT NOT NULL,
    section_name TEXT NOT NULL
);
