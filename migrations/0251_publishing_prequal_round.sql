-- Publishing's copy of an open prequalification round (资格预审) keeps the documents' window with
-- its applications deadline (`prequal_due`, 0248): a prequalification announcement (资格预审公告)
-- naming the section is compared with the round it announces (10号令 第5条; issue 21).
ALTER TABLE publishing_sections ADD COLUMN prequal_docs_issue BIGINT;
ALTER TABLE publishing_sections ADD COLUMN prequal_sale_end BIGINT;
