-- One active expert draw per section (issue 24, item 9): a second draw while one is active would
-- let the operator re-roll until a committee suits it. The pre-check in run_draw answers
-- 422 draw.active_draw_exists; this partial unique index makes concurrent requests safe on both
-- engines. A database that already holds several active draws of one section keeps the newest
-- active and marks the older ones cancelled (cancelled_at = the newer draw's time) so the index can
-- be built.
UPDATE expert_draws SET status = 'cancelled',
    cancelled_at = (SELECT MAX(d2.created_at) FROM expert_draws d2
                    WHERE d2.section_id = expert_draws.section_id AND d2.status = 'active')
WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM expert_draws d2
    WHERE d2.section_id = expert_draws.section_id AND d2.status = 'active'
      AND (d2.created_at > expert_draws.created_at
           OR (d2.created_at = expert_draws.created_at AND d2.id > expert_draws.id)));
CREATE UNIQUE INDEX expert_draws_one_active ON expert_draws (section_id, status) WHERE status = 'active';
