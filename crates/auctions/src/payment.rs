//! Recording a payment of a deal's price — a land contract's (土地出让合同, 国土资发〔2010〕34号) or a
//! property deal's schedule (32号令 第二十八条): the request and its check, the same for both (pure).

use chrono::NaiveDate;
use ggzy_core::{Error, FieldError, Money, Result};
use serde::Deserialize;
use utoipa::ToSchema;

/// A payment of the price as staff record it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPayment {
    /// Decimal string, CNY, at most 2 places.
    pub amount: String,
    /// The value date of the payment (YYYY-MM-DD, Beijing): not before the contract's signing (land)
    /// or the deal (property), not in the future.
    pub paid_on: NaiveDate,
}

/// What a payment is checked against.
pub struct Due<'a> {
    /// `land` or `property`: the rule ids are `auctions.<market>_payment_amount` and `…_date`.
    pub market: &'a str,
    /// What remains to be paid, in fen.
    pub remaining_fen: i64,
    /// The first allowed value date, and what it is ("the signing", "the deal").
    pub earliest: (NaiveDate, &'a str),
    /// Today in Beijing.
    pub today: NaiveDate,
}

/// The payment's amount: more than 0 and at most what remains; its value date from the earliest
/// day through today. Every refusal names its field and rule.
pub fn check(p: &NewPayment, due: &Due<'_>) -> Result<Money> {
    let amount = Money::parse_str(&p.amount).map_err(|mut e| {
        e.field = "amount".into();
        Error::Validation(vec![e])
    })?;
    let mut v = Vec::new();
    if amount.fen() <= 0 || amount.fen() > due.remaining_fen {
        v.push(FieldError::new(
            "amount",
            format!("auctions.{}_payment_amount", due.market),
            format!(
                "more than 0 and at most the remaining {}",
                Money::from_fen(due.remaining_fen.max(0))
            ),
        ));
    }
    let (earliest, what) = due.earliest;
    if p.paid_on < earliest || p.paid_on > due.today {
        v.push(FieldError::new(
            "paid_on",
            format!("auctions.{}_payment_date", due.market),
            format!("on or after {what} and not in the future"),
        ));
    }
    if v.is_empty() {
        Ok(amount)
    } else {
        Err(Error::Validation(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rules_of(e: Error) -> Vec<String> {
        match e {
            Error::Validation(v) => v.into_iter().map(|f| f.rule).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_remaining_amount_and_the_days_from_the_earliest_to_today_are_the_boundaries() {
        let due = Due {
            market: "land",
            remaining_fen: 1_000_000,
            earliest: (d("2026-03-02"), "the signing"),
            today: d("2026-03-10"),
        };
        let pay = |amount: &str, on: &str| {
            check(
                &NewPayment {
                    amount: amount.into(),
                    paid_on: d(on),
                },
                &due,
            )
        };
        assert_eq!(pay("10000.00", "2026-03-02").unwrap().fen(), 1_000_000);
        assert_eq!(pay("0.01", "2026-03-10").unwrap().fen(), 1);
        assert_eq!(
            rules_of(pay("10000.01", "2026-03-05").unwrap_err()),
            ["auctions.land_payment_amount"]
        );
        assert_eq!(
            rules_of(pay("0.00", "2026-03-05").unwrap_err()),
            ["auctions.land_payment_amount"]
        );
        assert_eq!(
            rules_of(pay("1.00", "2026-03-01").unwrap_err()),
            ["auctions.land_payment_date"]
        );
        assert_eq!(
            rules_of(pay("1.00", "2026-03-11").unwrap_err()),
            ["auctions.land_payment_date"]
        );
        // Both wrong: both named; more than two places: the amount, before anything else.
        assert_eq!(rules_of(pay("0", "2026-03-11").unwrap_err()).len(), 2);
        assert!(pay("1.001", "2026-03-05").is_err());
    }
}
