-- Opening (开标, 不见面开标): the suite of each sealed bid, the price read at decryption (fen), the
-- opening rules per market (data), and the deposit status this area learns from deposits' events.
-- Portable SQL, same conventions as 0001/0002. `bids.decryption`, `bids.price` (unused: prices are
-- BIGINT fen in `price_fen`) and `bid_openings` come from 0006.

ALTER TABLE bids ADD COLUMN suite TEXT;
ALTER TABLE bids ADD COLUMN price_fen BIGINT;
ALTER TABLE bids ADD COLUMN decrypted_at BIGINT;

-- Opening rules per region and market; region 'CN' holds the national defaults, a region overrides
-- them with its own row. A market without a row uses OpeningRules::national() (same values).
CREATE TABLE opening_rules (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    -- fewer current bids than this at the opening time: the section fails (流标).
    min_bids BIGINT NOT NULL,
    min_bids_source TEXT NOT NULL,
    -- minutes after the opening time during which bidders submit their keys (解密时限).
    decryption_window_minutes BIGINT NOT NULL,
    window_source TEXT NOT NULL,
    PRIMARY KEY (region, market)
);
INSERT INTO opening_rules VALUES ('CN', 'construction', 3, '招标投标法 第二十八条; 招标投标法实施条例 第四十四条',
    30, '电子招标投标办法 第三十条、第三十一条 (time set by the tender documents; platform default)');
INSERT INTO opening_rules VALUES ('CN', 'procurement', 3, '政府采购法 第三十六条; 财政部令第87号 第四十三条',
    30, '电子招标投标办法 第三十条、第三十一条 (time set by the tender documents; platform default)');

-- Deposit status per (section, organization), from deposits.deposit.status_fixed (authoritative,
-- fixed at the deadline) or deposits.deposit.valid (fallback until then).
CREATE TABLE opening_deposits (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);
