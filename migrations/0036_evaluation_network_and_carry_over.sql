-- Evaluation, second part: the session's room and its networks (from venues.session.* and
-- venues.room.networks_changed), and the replacement chain of the committee: a replacement member
-- takes the seat of the member he replaces and inherits the stages that member had submitted.

-- The evaluation session's room and its terminal networks (JSON array of CIDR strings; NULL or
-- '[]' = not restricted).
ALTER TABLE eval_sections ADD COLUMN session_room_id TEXT;
ALTER TABLE eval_sections ADD COLUMN room_networks TEXT;

-- On the replacement: the member replaced (his own row keeps replaced_by, the reason and the time).
ALTER TABLE eval_members ADD COLUMN replaces TEXT;
ALTER TABLE eval_members ADD COLUMN replaced_by TEXT;
ALTER TABLE eval_members ADD COLUMN replace_reason TEXT;
ALTER TABLE eval_members ADD COLUMN replaced_at BIGINT;
-- The expert whose submitted review (stage 1) / scores (stage 2) stand for this seat when the
-- member replaced had already submitted them; NULL = the member submits them himself.
ALTER TABLE eval_members ADD COLUMN review_of TEXT;
ALTER TABLE eval_members ADD COLUMN scores_of TEXT;
