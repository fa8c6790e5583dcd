-- Issue 21: the lot breaking a tie in a non-tender procurement result (竞争性谈判, 询价, 竞争性磋商):
-- the seed is drawn once per section and kept, so the recorded order can be recomputed.
CREATE TABLE nontender_lots (
    section_id TEXT PRIMARY KEY,
    seed TEXT NOT NULL,
    drawn_at BIGINT NOT NULL
);
