//! Retention of archives by market (pure). The periods live as rows of `archive_retention_rules`
//! (migration 0160) with their legal basis; [`NATIONAL`] is the same content, for tests and for a
//! market without a row. See docs/archives.md "Retention".

use chrono::{Months, NaiveDate};
use serde::Serialize;

/// A retention period and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Retention {
    pub market: String,
    /// Calendar years from the trade's end date (Asia/Shanghai).
    pub years: i64,
    /// The law and article (or the centre's rule) the period comes from.
    pub basis: String,
    /// Whether the article was checked against the text of the rule; `false` marks a citation
    /// carried over from the project's domain rules or a rule of the centre.
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub confirmed: bool,
}

/// The national defaults (also the seed rows of migration 0160).
pub const NATIONAL: [(&str, i64, &str, bool); 4] = [
    (
        "construction",
        10,
        "招标公告和公示信息发布管理办法 (10号令) 第十一条: electronic trading data traceable for ≥ 10 years (article not confirmed here)",
        false,
    ),
    (
        "procurement",
        15,
        "政府采购法 第四十二条: 采购文件的保存期限为从采购结束之日起至少保存十五年",
        true,
    ),
    (
        "land",
        10,
        "centre's rule: the 10-year period of electronic trading data applied to land and mining-right transfers (no national period for these files confirmed here)",
        false,
    ),
    (
        "property",
        10,
        "centre's rule: the 10-year period of electronic trading data applied to property-right transactions (no national period for these files confirmed here)",
        false,
    ),
];

/// The national default of `market`; an unknown market gets the longest period (nothing is
/// disposed of early because a market was added without a row).
pub fn national(market: &str) -> Retention {
    let row = NATIONAL
        .iter()
        .find(|r| r.0 == market)
        .or_else(|| NATIONAL.iter().max_by_key(|r| r.1))
        .copied()
        .unwrap_or(NATIONAL[1]);
    Retention {
        market: market.to_string(),
        years: row.1,
        basis: row.2.to_string(),
        confirmed: row.3,
    }
}

/// The last day of the retention period: the end date plus `years` calendar years (29 February
/// becomes 28 February in a common year). The archive is kept through 24:00 of that day
/// (Asia/Shanghai); it may be disposed of from the next day on.
pub fn retain_until(ended_on: NaiveDate, years: i64) -> NaiveDate {
    let months = u32::try_from(years.clamp(0, 1000) * 12).unwrap_or(12_000);
    ended_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// May an archive kept until `retain_until` be disposed of on `today` (Asia/Shanghai)?
/// Refused on the last day of the period and before; allowed from the day after.
pub fn disposal_allowed(today: NaiveDate, retain_until: NaiveDate) -> bool {
    today > retain_until
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_by_market() {
        assert_eq!(national("procurement").years, 15);
        assert_eq!(national("construction").years, 10);
        assert_eq!(national("land").years, 10);
        assert_eq!(national("property").years, 10);
        // Unknown market: the longest period.
        assert_eq!(national("mining").years, 15);
    }

    #[test]
    fn calendar_years_from_the_end_date() {
        assert_eq!(retain_until(d("2026-05-07"), 10), d("2036-05-07"));
        assert_eq!(retain_until(d("2026-05-07"), 15), d("2041-05-07"));
        assert_eq!(retain_until(d("2028-02-29"), 10), d("2038-02-28"));
        assert_eq!(retain_until(d("2028-02-29"), 12), d("2040-02-29"));
    }

    #[test]
    fn disposal_boundary() {
        let until = d("2036-05-07");
        assert!(!disposal_allowed(d("2036-05-06"), until));
        assert!(!disposal_allowed(until, until));
        assert!(disposal_allowed(d("2036-05-08"), until));
    }
}
