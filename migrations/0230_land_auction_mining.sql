-- Land auction (拍卖出让) and mining-right transfers (矿业权出让) as procedures of the land market
-- (issue 21): their `procedure_stages` rows (migration 0185's table, docs/procedures.md) and their
-- registration rules (`project_rules`, same columns as 0002 / 0037). The auctions area enforces the
-- periods (crates/auctions/src/land_auction.rs); the sources' state (confirmed / secondary /
-- unconfirmed) is in docs/procedures.md. Portable SQL.

-- 拍卖出让 of state-owned construction land-use rights (国土资源部令第39号).
INSERT INTO procedure_stages VALUES ('land', 'land_auction', 10, 'announcement', 20, 0, 'announcement', NULL, '国土资源部令第39号 第十条');
INSERT INTO procedure_stages VALUES ('land', 'land_auction', 20, 'registration', NULL, 0, NULL, NULL, '国土资源部令第39号 第十条 (until the registration deadline of the announcement)');
INSERT INTO procedure_stages VALUES ('land', 'land_auction', 40, 'auction', NULL, 0, 'announcement', NULL, '国土资源部令第39号 第十五条、第十六条 (highest bid wins; below the reserve price 底价 the auction is terminated)');
INSERT INTO procedure_stages VALUES ('land', 'land_auction', 80, 'deal', NULL, 0, NULL, NULL, '国土资源部令第39号 第二十条');
INSERT INTO procedure_stages VALUES ('land', 'land_auction', 90, 'contract', 10, 1, 'deal', NULL, '国土资发〔2010〕34号 (contract within 10 working days of the deal; item not verified)');

-- 矿业权挂牌出让 / 拍卖出让 (矿业权出让交易规则, 自然资规〔2023〕1号; articles not verified).
INSERT INTO procedure_stages VALUES ('land', 'mining_listing', 10, 'announcement', 20, 1, 'announcement', NULL, '矿业权出让交易规则 (自然资规〔2023〕1号; article not verified): announcement ≥ 20 working days before the listing');
INSERT INTO procedure_stages VALUES ('land', 'mining_listing', 20, 'registration', NULL, 0, NULL, NULL, '矿业权出让交易规则 (until the listing end)');
INSERT INTO procedure_stages VALUES ('land', 'mining_listing', 40, 'listing', 10, 1, 'listing_start', NULL, '矿业权出让交易规则 (自然资规〔2023〕1号; article not verified): listing ≥ 10 working days');
INSERT INTO procedure_stages VALUES ('land', 'mining_listing', 80, 'deal', NULL, 0, NULL, NULL, '矿业权出让交易规则 (highest quote at or above the reserve)');
INSERT INTO procedure_stages VALUES ('land', 'mining_listing', 85, 'result_publicity', 10, 1, 'deal', NULL, '矿业权出让交易规则 (published within 5 working days of the deal, ≥ 10 working days; secondary: provincial rules)');
INSERT INTO procedure_stages VALUES ('land', 'mining_auction', 10, 'announcement', 20, 1, 'announcement', NULL, '矿业权出让交易规则 (自然资规〔2023〕1号; article not verified): announcement ≥ 20 working days before the auction');
INSERT INTO procedure_stages VALUES ('land', 'mining_auction', 20, 'registration', NULL, 0, NULL, NULL, '矿业权出让交易规则 (until the registration deadline of the announcement)');
INSERT INTO procedure_stages VALUES ('land', 'mining_auction', 40, 'auction', NULL, 0, 'announcement', NULL, '矿业权出让交易规则 (highest bid wins at or above the reserve)');
INSERT INTO procedure_stages VALUES ('land', 'mining_auction', 80, 'deal', NULL, 0, NULL, NULL, '矿业权出让交易规则');
INSERT INTO procedure_stages VALUES ('land', 'mining_auction', 85, 'result_publicity', 10, 1, 'deal', NULL, '矿业权出让交易规则 (published within 5 working days of the deal, ≥ 10 working days; secondary: provincial rules)');

-- Registration rules (crates/projects/src/rules.rs MarketRules::national has the same values).
INSERT INTO project_rules VALUES ('CN', 'land', 'land_auction', 0, 0,
    '国土资源部令第39号 第十条 (the auction ≥ 20 days after the announcement, checked by the auctions area)', 0, 0,
    '国土资源部令第39号 (set by the announcement)', 10000, '国土资源部令第39号 (set by the announcement)', 0,
    '国土资源部令第39号 (auction: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'land', 'mining_listing', 20, 1,
    '矿业权出让交易规则 (自然资规〔2023〕1号) — article not verified', 0, 0,
    '矿业权出让交易规则 (set by the announcement)', 10000, '矿业权出让交易规则 (set by the announcement)', 0,
    '矿业权出让交易规则 (listing: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'land', 'mining_auction', 0, 0,
    '矿业权出让交易规则 (the auction ≥ 20 working days after the announcement, checked by the auctions area)', 0, 0,
    '矿业权出让交易规则 (set by the announcement)', 10000, '矿业权出让交易规则 (set by the announcement)', 0,
    '矿业权出让交易规则 (auction: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
