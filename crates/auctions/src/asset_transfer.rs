//! 企业资产转让 (asset transfer) of 《企业国有资产交易监督管理办法》(国资委 财政部令第32号) 第四章,
//! procedure `asset_transfer` of the property market (issue 21). It runs like a property listing
//! (quotes, online auction, deal, publicity: "企业资产转让的具体工作流程参照本办法关于企业产权转让的
//! 规定执行"), except for the disclosure (信息公告期), which depends on the floor (转让底价):
//!
//! the bands and their sources are [`ggzy_core::property::AssetTransferRules`] (publishing checks
//! the disclosure announcement against the same bands).

use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::error::FieldError;
use ggzy_core::period::{self, Days};
use ggzy_core::{Money, Timestamp};

pub use ggzy_core::property::AssetTransferRules;

/// Check an asset transfer's listing: it starts after the disclosure announcement and, when the
/// floor has a minimum, lasts until 24:00 (Beijing) of the N-th working day after it.
pub fn check_schedule(
    r: &AssetTransferRules,
    cal: &BusinessCalendar,
    announced_at: Timestamp,
    start: Timestamp,
    end: Timestamp,
    floor_fen: i64,
    missing: &mut crate::rules::Missing,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    if start < announced_at {
        v.push(FieldError::new(
            "listing_start",
            "auctions.disclosure_before_listing",
            "the listing starts after the disclosure announcement",
        ));
    }
    if let Some(days) = r.disclosure_working_days(floor_fen) {
        let reached = period::reaches_end(cal, announced_at, end, Days::working(days));
        missing.extend(reached.missing);
        if !reached.value {
            v.push(FieldError::new(
                "listing_end",
                "auctions.asset_disclosure_period",
                format!(
                    "an asset transfer with a floor of {} is disclosed for at least {days} working days \
                     (above {}: {}; from {}: {}; {})",
                    Money::from_fen(floor_fen),
                    Money::from_fen(r.high_floor_fen),
                    r.high_working_days,
                    Money::from_fen(r.mid_floor_fen),
                    r.mid_working_days,
                    r.source
                ),
            ));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ggzy_core::time::at_local;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_disclosure_depends_on_the_floor_at_10_m_and_1_m() {
        let r = AssetTransferRules::national();
        assert_eq!(r.disclosure_working_days(1_000_000_001), Some(20));
        assert_eq!(r.disclosure_working_days(1_000_000_000), Some(10));
        assert_eq!(r.disclosure_working_days(100_000_000), Some(10));
        assert_eq!(r.disclosure_working_days(99_999_999), None);
    }

    #[test]
    fn ten_and_twenty_working_days_across_qingming() {
        let r = AssetTransferRules::national();
        let cal = BusinessCalendar::official();
        let mut m = crate::rules::Missing::new();
        // Announced Thursday 2026-04-02; 清明 04-04..06: the 10th working day is Friday 04-17.
        let a = at_local(d("2026-04-02"), 9, 0, 0);
        let ten = period::end_of_day(d("2026-04-17"));
        assert!(check_schedule(&r, &cal, a, a, ten, 1_000_000_000, &mut m).is_empty());
        let v = check_schedule(&r, &cal, a, a, ten, 1_000_000_001, &mut m);
        assert_eq!(v[0].rule, "auctions.asset_disclosure_period");
        let v = check_schedule(
            &r,
            &cal,
            a,
            a,
            ten - chrono::Duration::seconds(1),
            1_000_000_000,
            &mut m,
        );
        assert_eq!(v[0].rule, "auctions.asset_disclosure_period");
        // Below CNY 1 m: no national minimum.
        assert!(check_schedule(
            &r,
            &cal,
            a,
            a,
            a + chrono::Duration::days(1),
            99_999_999,
            &mut m
        )
        .is_empty());
    }
}
