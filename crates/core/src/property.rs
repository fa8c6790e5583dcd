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

/// A capital increase pre-disclosed (信息预披露) before its formal disclosure (正式披露): the two
/// together last at least 40 working days and the formal disclosure at least 20
/// (国资发产权规〔2022〕39号, restated by the exchanges' capital-increase rules issued under
/// 国资发产权规〔2025〕17号; read in secondary copies — text to verify).
pub const CAPITAL_INCREASE_FORMAL_WORKING_DAYS: u32 = 20;

/// The source of [`CAPITAL_INCREASE_FORMAL_WORKING_DAYS`] and of the combined 40 working days.
pub const CAPITAL_INCREASE_PREDISCLOSURE_SOURCE: &str =
    "国资发产权规〔2022〕39号 (预披露与正式披露相结合: 合计不少于40个工作日, 正式披露不少于20个工作日; text to verify)";

/// What a capital increase's disclosure must reach, and whether it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapitalIncreaseDisclosure {
    /// The formal disclosure's minimum in working days: 40, or 20 after a pre-disclosure.
    pub formal_days: u32,
    /// The formal disclosure lasts until 24:00 of its `formal_days`-th working day.
    pub formal_ok: bool,
    /// With a pre-disclosure: from its publication the two together reach 24:00 of the 40th
    /// working day (`None` without one).
    pub combined_ok: Option<bool>,
    /// Years counted with weekends only (no holiday schedule): the answer is provisional.
    pub missing: std::collections::BTreeSet<i32>,
}

impl CapitalIncreaseDisclosure {
    pub fn ok(&self) -> bool {
        self.formal_ok && self.combined_ok != Some(false)
    }
}

/// The disclosure of a capital increase formally disclosed at `formal_at` until `end`: 40 working
/// days, or — when a pre-disclosure was published at `predisclosed_at`, before the formal one — 20
/// for the formal disclosure and 40 from the pre-disclosure. Each period runs from the day after
/// its publication to 24:00 of its last working day ([`crate::period::reaches_end`]).
pub fn capital_increase_disclosure(
    cal: &crate::calendar::BusinessCalendar,
    predisclosed_at: Option<crate::Timestamp>,
    formal_at: crate::Timestamp,
    end: crate::Timestamp,
) -> CapitalIncreaseDisclosure {
    use crate::period::{reaches_end, Days};
    let pre = predisclosed_at.filter(|p| *p < formal_at);
    let formal_days = if pre.is_some() {
        CAPITAL_INCREASE_FORMAL_WORKING_DAYS
    } else {
        CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS
    };
    let formal = reaches_end(cal, formal_at, end, Days::working(formal_days));
    let mut missing = formal.missing;
    let combined_ok = pre.map(|p| {
        let c = reaches_end(
            cal,
            p,
            end,
            Days::working(CAPITAL_INCREASE_DISCLOSURE_WORKING_DAYS),
        );
        missing.extend(c.missing);
        c.value
    });
    CapitalIncreaseDisclosure {
        formal_days,
        formal_ok: formal.value,
        combined_ok,
        missing,
    }
}

#[cfg(test)]
mod capital_increase_tests {
    use super::*;
    use crate::calendar::BusinessCalendar;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The official schedules (2026: 清明 04-04..06 off, no make-up day in March or April).
    fn cal() -> BusinessCalendar {
        BusinessCalendar::official()
    }

    #[test]
    fn without_a_predisclosure_the_formal_disclosure_lasts_40_working_days() {
        let cal = cal();
        let at = t("2026-03-02T09:00:00+08:00");
        // Monday 03-02: the 40th working day after it is Tuesday 04-28 (清明 skipped).
        let d = capital_increase_disclosure(&cal, None, at, t("2026-04-29T00:00:00+08:00"));
        assert!(d.ok() && d.formal_days == 40 && d.combined_ok.is_none());
        let d = capital_increase_disclosure(&cal, None, at, t("2026-04-28T23:59:59+08:00"));
        assert!(!d.ok());
    }

    #[test]
    fn after_a_predisclosure_the_formal_disclosure_lasts_20_and_both_together_40() {
        let cal = cal();
        let pre = t("2026-03-02T09:00:00+08:00");
        // The formal disclosure on Monday 03-30: its 20th working day is Tuesday 04-28 (清明
        // skipped), the 40th from the pre-disclosure too.
        let formal = t("2026-03-30T09:00:00+08:00");
        let d =
            capital_increase_disclosure(&cal, Some(pre), formal, t("2026-04-29T00:00:00+08:00"));
        assert_eq!(
            (d.formal_days, d.formal_ok, d.combined_ok),
            (20, true, Some(true))
        );
        let d =
            capital_increase_disclosure(&cal, Some(pre), formal, t("2026-04-28T23:59:59+08:00"));
        assert!(!d.ok());
        // A formal disclosure soon after the pre-disclosure: its 20 working days are reached
        // (Monday 03-09 + 20 = Tuesday 04-07, 清明 skipped) but the 40 together are not.
        let early = t("2026-03-09T09:00:00+08:00");
        let d = capital_increase_disclosure(&cal, Some(pre), early, t("2026-04-08T00:00:00+08:00"));
        assert_eq!((d.formal_ok, d.combined_ok), (true, Some(false)));
        let d = capital_increase_disclosure(&cal, Some(pre), early, t("2026-04-07T23:59:59+08:00"));
        assert_eq!((d.formal_ok, d.combined_ok), (false, Some(false)));
        // A "pre-disclosure" published after the formal one is none.
        let d = capital_increase_disclosure(
            &cal,
            Some(t("2026-03-31T09:00:00+08:00")),
            formal,
            t("2026-04-29T00:00:00+08:00"),
        );
        assert_eq!(
            (d.formal_days, d.formal_ok, d.combined_ok),
            (40, false, None)
        );
    }
}
