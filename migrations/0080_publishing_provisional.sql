-- Legal periods of an announcement checked while a year they reach had no holiday schedule
-- (weekends only) are provisional until the schedule is imported and the periods checked again
-- (docs/calendar.md). 1 = provisional.
ALTER TABLE announcements ADD COLUMN periods_provisional BIGINT NOT NULL DEFAULT 0;
