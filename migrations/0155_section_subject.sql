-- What a section buys (标的类别, issue 21): works (施工), goods (货物), survey_design (勘察设计) or
-- services (服务). NULL for land and property sections and for sections written before this
-- migration (read as the market's default: construction works, procurement goods). It selects the
-- bid deposit's absolute ceiling (工程建设项目施工招标投标办法 37: ≤ CNY 800,000; 勘察设计: ≤ CNY 100,000).
ALTER TABLE sections ADD COLUMN subject TEXT;
