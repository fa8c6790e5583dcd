-- Registration rules for the listing procedure (挂牌/拍卖/网络竞价, procedure `listing`): land and
-- property lots sold by quotes through the auctions area. Registration (报名) closes at the bid
-- deadline, which is the listing end; there is no sealed-bid opening (opening_at_deadline = 0).
-- 国土资源部令第39号 第十条: the announcement ≥ 20 days before the listing starts; 国资委 财政部令第32号
-- 第十三条: formal disclosure ≥ 20 working days. Deposits are set by the announcement (no statutory
-- cap: 10000 bp = 100%). Portable SQL, same columns as 0002 / 0011.
INSERT INTO project_rules VALUES ('CN', 'land', 'listing', 20, 0, '国土资源部令第39号 第十条', 0, 0,
    '国土资源部令第39号 (set by the announcement)', 10000, '国土资源部令第39号 (set by the announcement)', 0,
    '国土资源部令第39号 (listing: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
INSERT INTO project_rules VALUES ('CN', 'property', 'listing', 20, 1, '国资委 财政部令第32号 第十三条', 0, 0,
    '国资委 财政部令第32号 (set by the disclosure)', 10000, '国资委 财政部令第32号 (set by the disclosure)', 0,
    '国资委 财政部令第32号 (listing: no sealed-bid opening)')
    ON CONFLICT (region, market, procedure) DO NOTHING;
