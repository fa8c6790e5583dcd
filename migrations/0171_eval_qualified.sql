-- The evaluation area's copy of the purchaser's qualification review (projects.qualification.reviewed):
-- JSON array of the qualified suppliers' organization ids, NULL until the review is done. A
-- government procurement section's committee starts only once it is set and reviews only these
-- suppliers (财政部令第87号 第四十四条).
ALTER TABLE eval_sections ADD COLUMN qualified TEXT;
