-- A refund due date computed while its year had no holiday schedule (weekends only) is provisional
-- until the schedule is imported and the date re-derived (docs/calendar.md); refund instructions carry it.
ALTER TABLE deposit_settlements ADD COLUMN provisional BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deposit_refunds ADD COLUMN provisional BIGINT NOT NULL DEFAULT 0;
