-- A change notice published while a section's prequalification round is open amends the
-- prequalification documents (招标投标法实施条例 第二十一条): fewer than 3 days before the
-- applications are due postpone them. Publishing learns the open round's deadline from the
-- projects events (`projects.prequalification.opened` / `.deadline_changed`, cleared by
-- `.reviewed`) and keeps, on the published notice, the deadlines it moved (JSON array, as emitted).
ALTER TABLE publishing_sections ADD COLUMN prequal_due BIGINT;
ALTER TABLE announcements ADD COLUMN prequal_postpone TEXT;
