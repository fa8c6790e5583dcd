//! Formatting for people: money in 元 with thousands separators, instants in Beijing time.
//! Templates call these (`{{ ggzy_web::fmt::yuan(amount) }}`); the output is plain text and is
//! escaped like any other value.

use chrono::{DateTime, FixedOffset, Utc};
use ggzy_core::money::Money;
use rust_decimal::{Decimal, RoundingStrategy};

fn beijing() -> FixedOffset {
    ggzy_core::time::shanghai()
}

/// `1234567.5` → `1,234,567.50` (two places, half away from zero, thousands separators).
pub fn amount(d: &Decimal) -> String {
    let d = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.2}", d.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// `1234567.5` → `1,234,567.50 元`.
pub fn yuan(d: &Decimal) -> String {
    format!("{} 元", amount(d))
}

/// A [`Money`] as [`yuan`].
pub fn money(m: &Money) -> String {
    yuan(&m.amount())
}

/// `2026-12-05 08:25` in Beijing time (the platform's legal time; pages say so in the footer).
pub fn beijing_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `2026-12-05 08:25:07` in Beijing time, for records where seconds matter (receipts, bids).
pub fn beijing_time_s(t: &DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `2026-12-05` in Beijing time.
pub fn beijing_date(t: &DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d").to_string()
}

/// A valid HTML `<time datetime>` value: `2026-12-05T08:25:07+08:00` (whole seconds).
pub fn datetime_attr(t: &DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_have_two_places_and_thousands_separators() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(amount(&d("0")), "0.00");
        assert_eq!(amount(&d("999.995")), "1,000.00");
        assert_eq!(amount(&d("123456")), "123,456.00");
        assert_eq!(amount(&d("8765432.19")), "8,765,432.19");
        assert_eq!(amount(&d("-1234.5")), "-1,234.50");
        assert_eq!(yuan(&d("1000000")), "1,000,000.00 元");
        assert_eq!(money(&Money::from_fen(12)), "0.12 元");
    }

    #[test]
    fn instants_are_shown_in_beijing_time() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T00:25:07.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_time(&t), "2026-12-05 08:25");
        assert_eq!(beijing_time_s(&t), "2026-12-05 08:25:07");
        assert_eq!(datetime_attr(&t), "2026-12-05T08:25:07+08:00");
        let late = DateTime::parse_from_rfc3339("2026-12-05T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_date(&late), "2026-12-06");
    }
}
