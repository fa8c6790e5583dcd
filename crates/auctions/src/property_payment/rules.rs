//! The pure rules of a property deal's payment (32号令 第二十八条 as we read it — article to verify):
//! due dates, when a step is met, and the deferred-payment interest. No I/O.

use chrono::NaiveDate;
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use rust_decimal::Decimal;

/// The rule's source as the events and views cite it.
pub const SOURCE: &str =
    "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第二十八条 (article number to verify)";

/// The last day of the price in one sum, or of the first instalment: the `n`th working day after
/// the contract took effect (that day not counted, 民法典 第二百零一条), ending at 24:00 Beijing.
/// A year without a loaded holiday schedule is counted with weekends only (`missing`).
pub fn first_due(cal: &BusinessCalendar, effective_on: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
    cal.add_working_days_reckoned(effective_on, n)
}

/// The balance's last day: the agreed date, moved to the next working day when it is a day off
/// (民法典 第二百零三条).
pub fn balance_due(cal: &BusinessCalendar, agreed: NaiveDate) -> Reckoned<NaiveDate> {
    cal.roll_to_working_day(agreed)
}

/// One amount paid towards the price: a recorded payment or the converted deposit, with its value
/// date (Beijing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    pub on: NaiveDate,
    pub fen: i64,
}

/// What was paid in all by the end of `due` (value dates on or before it).
pub fn paid_by(paid: &[Paid], due: NaiveDate) -> i64 {
    paid.iter().filter(|p| p.on <= due).map(|p| p.fen).sum()
}

/// What is still owed of a step that needs `required` in all by `due` (0: the step is met).
pub fn owed(paid: &[Paid], due: NaiveDate, required: i64) -> i64 {
    (required - paid_by(paid, due)).max(0)
}

/// The deferred-payment interest rate (按同期银行贷款利率): percent per year and the day basis
/// (日利率 = 年利率 ÷ basis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub annual_percent: Decimal,
    pub day_basis: u32,
}

/// Simple interest on `principal_fen` for the days from `from` to `to` (Actual/basis: calendar
/// days, `to − from`; none when `to` is not after `from`), in yuan, unrounded.
pub fn simple_interest(rate: Rate, principal_fen: i64, from: NaiveDate, to: NaiveDate) -> Decimal {
    let days = (to - from).num_days().max(0);
    if days == 0 || principal_fen <= 0 || rate.day_basis == 0 {
        return Decimal::ZERO;
    }
    Decimal::new(principal_fen, 2) * rate.annual_percent / Decimal::ONE_HUNDRED
        * Decimal::from(days)
        / Decimal::from(rate.day_basis)
}

/// The interest on the deferred balance (延期付款期间的利息): the balance is what the price exceeds the
/// first payment (`first_fen`); it runs from the first payment's due day. The amounts paid are taken
/// in value-date order; each fen beyond `first_fen` pays off the balance on its own value date and
/// bears interest from `first_due` to then. When `as_of` is given, the balance still unpaid bears
/// interest to that day too (the interest accrued to date). Unrounded yuan.
pub fn deferred_interest(
    rate: Rate,
    price_fen: i64,
    first_fen: i64,
    first_due: NaiveDate,
    paid: &[Paid],
    as_of: Option<NaiveDate>,
) -> Decimal {
    let mut sorted = paid.to_vec();
    sorted.sort_by_key(|p| p.on);
    let mut before = 0i64;
    let mut total = Decimal::ZERO;
    for p in &sorted {
        let after = before + p.fen;
        let on_balance = (after - first_fen.max(before)).clamp(0, p.fen);
        total += simple_interest(rate, on_balance, first_due, p.on);
        before = after;
    }
    if let Some(today) = as_of {
        let unpaid = (price_fen - first_fen).min(price_fen - before).max(0);
        total += simple_interest(rate, unpaid, first_due, today);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lpr() -> Rate {
        Rate {
            annual_percent: Decimal::new(300, 2),
            day_basis: 360,
        }
    }

    #[test]
    fn the_price_is_due_on_the_5th_working_day_after_the_contract_across_qingming() {
        let cal = BusinessCalendar::official();
        // Effective Wednesday 2026-04-01 (not counted): 02, 03, (04-06 清明), 07, 08, 09 → Thursday
        // 04-09; one working day less ends Wednesday 04-08.
        assert_eq!(first_due(&cal, d("2026-04-01"), 5).value, d("2026-04-09"));
        assert_eq!(first_due(&cal, d("2026-04-01"), 4).value, d("2026-04-08"));
        // Effective Friday 2026-04-03 (a working day; the next days are 清明): 07..10 and 13.
        assert_eq!(first_due(&cal, d("2026-04-03"), 5).value, d("2026-04-13"));
        assert!(first_due(&cal, d("2026-04-01"), 5).missing.is_empty());
    }

    #[test]
    fn a_balance_due_on_a_day_off_moves_to_the_next_working_day() {
        let cal = BusinessCalendar::official();
        // Friday 2026-04-10 is a working day; Saturday 04-11 moves to Monday 04-13.
        assert_eq!(balance_due(&cal, d("2026-04-10")).value, d("2026-04-10"));
        assert_eq!(balance_due(&cal, d("2026-04-11")).value, d("2026-04-13"));
    }

    #[test]
    fn a_step_is_met_by_what_was_paid_by_its_due_day_only() {
        let paid = [
            Paid {
                on: d("2026-03-31"),
                fen: 10_000_000,
            },
            Paid {
                on: d("2026-04-08"),
                fen: 20_000_000,
            },
            Paid {
                on: d("2026-04-09"),
                fen: 1,
            },
        ];
        assert_eq!(owed(&paid, d("2026-04-08"), 30_000_000), 0);
        assert_eq!(owed(&paid, d("2026-04-08"), 30_000_001), 1);
        assert_eq!(owed(&paid, d("2026-04-07"), 30_000_000), 20_000_000);
    }

    #[test]
    fn interest_runs_from_the_first_due_day_on_the_balance_only_actual_over_360() {
        // Price 1,000,000.00, first 300,000.00 due 2026-04-08; the balance 700,000.00 paid 360 days
        // later (2027-04-03): 700,000 × 3 % × 360 / 360 = 21,000.00.
        let paid = [
            Paid {
                on: d("2026-04-08"),
                fen: 30_000_000,
            },
            Paid {
                on: d("2027-04-03"),
                fen: 70_000_000,
            },
        ];
        let i = deferred_interest(lpr(), 100_000_000, 30_000_000, d("2026-04-08"), &paid, None);
        assert_eq!(i, Decimal::new(2_100_000, 2));
        // Paid on the first due day: no interest; one day later: 700,000 × 3 % / 360 = 58.333…
        let same = [Paid {
            on: d("2026-04-08"),
            fen: 100_000_000,
        }];
        assert_eq!(
            deferred_interest(lpr(), 100_000_000, 30_000_000, d("2026-04-08"), &same, None),
            Decimal::ZERO
        );
        let next = [Paid {
            on: d("2026-04-09"),
            fen: 100_000_000,
        }];
        let i = deferred_interest(lpr(), 100_000_000, 30_000_000, d("2026-04-08"), &next, None);
        assert_eq!(ggzy_core::Money::round_fen(i).unwrap().to_string(), "58.33");
        // Nothing of the balance paid: it accrues to date.
        let first = [Paid {
            on: d("2026-04-08"),
            fen: 30_000_000,
        }];
        let i = deferred_interest(
            lpr(),
            100_000_000,
            30_000_000,
            d("2026-04-08"),
            &first,
            Some(d("2026-05-08")),
        );
        assert_eq!(i, Decimal::new(175_000, 2)); // 700,000 × 3 % × 30 / 360 = 1,750.00
    }

    proptest! {
        #[test]
        fn the_first_due_day_is_exactly_n_working_days_after_and_itself_a_working_day(
            off in 0i64..700, n in 1u32..15,
        ) {
            let cal = BusinessCalendar::official();
            let start = d("2026-01-01") + chrono::Duration::days(off);
            let due = first_due(&cal, start, n).value;
            prop_assert!(due > start);
            prop_assert!(cal.is_working_day_reckoned(due).value);
            prop_assert_eq!(cal.working_days_between_reckoned(start, due).value, n);
        }

        #[test]
        fn the_balance_due_day_is_a_working_day_not_before_the_agreed_one(off in 0i64..700) {
            let cal = BusinessCalendar::official();
            let agreed = d("2026-01-01") + chrono::Duration::days(off);
            let due = balance_due(&cal, agreed).value;
            prop_assert!(due >= agreed);
            prop_assert!(cal.is_working_day_reckoned(due).value);
            prop_assert_eq!(due == agreed, cal.is_working_day_reckoned(agreed).value);
        }

        #[test]
        fn interest_grows_with_the_days_and_is_nil_for_a_balance_paid_by_the_first_due_day(
            price in 1_000i64..10_000_000_000, share in 3_000i64..10_000, days in 0i64..366,
        ) {
            let first = price * share / 10_000;
            let due = d("2026-04-08");
            let pay = |days: i64| [
                Paid { on: due, fen: first },
                Paid { on: due + chrono::Duration::days(days), fen: price - first },
            ];
            let i = deferred_interest(lpr(), price, first, due, &pay(days), None);
            let j = deferred_interest(lpr(), price, first, due, &pay(days + 1), None);
            prop_assert!(j >= i);
            prop_assert_eq!(i, simple_interest(lpr(), price - first, due, due + chrono::Duration::days(days)));
            prop_assert_eq!(deferred_interest(lpr(), price, first, due, &pay(0), None), Decimal::ZERO);
        }
    }
}
