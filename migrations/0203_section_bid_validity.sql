-- Bid validity (投标有效期) of a section in days from the bid deadline, as the tender documents
-- state it (招标投标法实施条例 25). Optional: NULL when the tenderer did not give it. Carried by
-- `projects.section.registered` so deposits check guarantees against it (实施条例 26).
ALTER TABLE sections ADD COLUMN bid_validity_days BIGINT;
