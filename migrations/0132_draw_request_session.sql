-- Every expert draw is two-step (issue 24): an evaluation session scheduled by venues opens a draw
-- request (crate experts, contrib.rs) that waits for a supervisor instead of drawing with a seed the
-- server alone chose. The request remembers its session so the draw it becomes belongs to it, and a
-- session moved or cancelled before the draw updates or abandons the request.
ALTER TABLE expert_draw_requests ADD COLUMN session_id TEXT;
CREATE INDEX expert_draw_requests_session ON expert_draw_requests (session_id);
