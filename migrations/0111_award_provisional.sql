-- Award due dates computed while a year they reach had no holiday schedule (weekends only) are
-- provisional until the schedule is imported and the date re-derived (docs/calendar.md, "Award due
-- dates"). The length in days is kept with each date so that the re-derivation counts the same
-- period the date was computed with, whatever the rules say later.
ALTER TABLE section_evaluations ADD COLUMN publicity_ends_provisional BIGINT NOT NULL DEFAULT 0;
ALTER TABLE section_objections ADD COLUMN due_provisional BIGINT NOT NULL DEFAULT 0;
ALTER TABLE section_objections ADD COLUMN answer_days BIGINT;
ALTER TABLE section_awards ADD COLUMN contract_due_provisional BIGINT NOT NULL DEFAULT 0;
ALTER TABLE section_awards ADD COLUMN contract_days BIGINT;
