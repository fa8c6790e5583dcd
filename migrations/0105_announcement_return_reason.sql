-- Staff return a submitted announcement to its owner with a reason (issue 22): the announcement
-- is a draft again and its owner reads why (`return_reason`, cleared when it is submitted again).
ALTER TABLE announcements ADD COLUMN return_reason TEXT;
