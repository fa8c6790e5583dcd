//! Disclosure periods of the property market (产权交易) that more than one area applies: the
//! auctions area to a listing's schedule, publishing to the disclosure announcement (信息披露公告).
//! Source: 《企业国有资产交易监督管理办法》(国资委 财政部令第32号).
//!
//! Asset transfer (企业资产转让, 32号令 第四章): the disclosure (信息公告期) depends on the floor
//! (转让底价):
//!
//! | floor (CNY) | disclosure | 32号令 text |
//! |---|---|---|
//! | above 10,000,000.00 | ≥ 20 working days | 转让底价高于1000万元的资产转让项目，信息公告期应不少于20个工作日 |
//! | 1,000,000.00 – 10,000,000.00 | ≥ 10 working days | 转让底价高于100万元、低于1000万元的资产转让项目，信息公告期应不少于10个工作日 |
//! | below 1,000,000.00 | no national minimum | the enterprise's own rules (国家出资企业 内部管理制度, 32号令 第四章) |
//!
//! The two endpoints (exactly CNY 1 m and exactly 10 m) fall between the text's "higher than" and
//! "lower than": this centre applies the 10-working-day band to both (the lower band closed, the
//! 20-day band from one fen above 10 m). The article number (第四十八条 in our brief, 第五十条 in
//! some copies) is to verify; the thresholds themselves were read in a municipal copy of the rule
//! and in SASAC's 2013 notice to central enterprises (secondary sources).

/// A transfer of property rights (企业产权转让) is formally disclosed for at least 20 working days
/// (32号令 第十三条).
pub const TRANSFER_DISCLOSURE_WORKING_DAYS: u32 = 20;

/// A capital increase (企业增资) is disclosed for at least 40 working days (32号令 第三十九条, as the
/// auctions area cites it; article to verify).
pub const CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS: u32 = 40;

/// The thresholds and periods (data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetTransferRules {
    /// Floors strictly above this (fen) are disclosed for `high_working_days`.
    pub high_floor_fen: i64,
    pub high_working_days: u32,
    /// Floors from this (fen) up to `high_floor_fen` are disclosed for `mid_working_days`.
    pub mid_floor_fen: i64,
    pub mid_working_days: u32,
    pub source: &'static str,
}

impl AssetTransferRules {
    pub fn national() -> Self {
        AssetTransferRules {
            high_floor_fen: 1_000_000_000,
            high_working_days: 20,
            mid_floor_fen: 100_000_000,
            mid_working_days: 10,
            source: "国资委 财政部令第32号 第四章 (企业资产转让; article number to verify)",
        }
    }

    /// The minimum disclosure in working days for `floor_fen`, or `None` below CNY 1 m.
    pub fn disclosure_working_days(&self, floor_fen: i64) -> Option<u32> {
        if floor_fen > self.high_floor_fen {
            Some(self.high_working_days)
        } else if floor_fen >= self.mid_floor_fen {
            Some(self.mid_working_days)
        } else {
            None
        }
    }
}
