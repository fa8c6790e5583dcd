//! Money in CNY: a non-negative amount with at most two decimal places (fen). Never a float.
//!
//! Stored in the database as an integer number of fen (分), which is exact on every engine.

use crate::error::FieldError;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// Amounts must stay below one trillion CNY (at most 12 integer digits, as the schema pattern
/// [`PATTERN`] says), far above any single trade, so fen fit in an i64.
pub const MAX_YUAN: i64 = 1_000_000_000_000;

/// The text form every money input must have (the OpenAPI schema's `pattern`): digits, then at most
/// two decimal places. [`Money::parse_str`] accepts exactly these strings (after trimming spaces).
pub const PATTERN: &str = "^[0-9]{1,12}(\\.[0-9]{1,2})?$";

/// Rule id of an amount with more than two decimal places.
pub const RULE_SCALE: &str = "money.max_two_decimals";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, ToSchema)]
#[schema(value_type = String, example = "1234567.89", pattern = "^[0-9]{1,12}(\\.[0-9]{1,2})?$")]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Check a computed decimal amount: rejects negatives, more than two significant decimal
    /// places (`1.500` is `1.50`) and absurd sizes. Input text goes through [`Money::parse_str`].
    pub fn parse(d: Decimal) -> Result<Self, FieldError> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(FieldError::new(
                "",
                "money.non_negative",
                "amount must not be negative",
            ));
        }
        if d.normalize().scale() > 2 {
            return Err(FieldError::new(
                "",
                RULE_SCALE,
                "amount must have at most two decimal places (fen)",
            ));
        }
        if d >= Decimal::from(MAX_YUAN) {
            return Err(too_large());
        }
        let mut v = d.normalize();
        v.rescale(2);
        Ok(Money(v))
    }

    /// Parse money input text — the one place every input path (JSON strings and numbers, form
    /// fields, CSV files) decides. The text must match [`PATTERN`] after trimming spaces: no sign,
    /// exponent, separator or more than two decimal places, so `1.005` and also `1.0000` are
    /// refused (`money.max_two_decimals`) instead of being rounded or normalized.
    pub fn parse_str(s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        let format =
            || FieldError::new("", "money.format", format!("'{s}' is not a decimal amount"));
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
        };
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if let Some(rest) = int.strip_prefix('-') {
            if digits(rest) && frac.is_none_or(digits) {
                return Err(FieldError::new(
                    "",
                    "money.non_negative",
                    "amount must not be negative",
                ));
            }
            return Err(format());
        }
        if !digits(int) || !frac.is_none_or(digits) {
            return Err(format());
        }
        if frac.is_some_and(|f| f.len() > 2) {
            return Err(FieldError::new(
                "",
                RULE_SCALE,
                format!("'{s}' has more than two decimal places; amounts are in fen (0.01 CNY)"),
            ));
        }
        if int.trim_start_matches('0').len() > 12 {
            return Err(too_large());
        }
        let d = Decimal::from_str(t).map_err(|_| format())?;
        Self::parse(d)
    }

    /// Round any decimal to the fen, half away from zero (四舍五入), then parse.
    pub fn round_fen(d: Decimal) -> Result<Self, FieldError> {
        Self::parse(d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    pub fn from_fen(fen: i64) -> Self {
        Money(Decimal::new(fen, 2))
    }

    pub fn fen(&self) -> i64 {
        (self.0 * Decimal::ONE_HUNDRED).to_i64().unwrap_or(i64::MAX)
    }

    pub fn amount(&self) -> Decimal {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        Money::parse(self.0 + o.0).ok()
    }

    /// Subtraction that refuses to go below zero.
    pub fn checked_sub(self, o: Money) -> Option<Money> {
        if o.0 > self.0 {
            None
        } else {
            Some(Money(self.0 - o.0))
        }
    }
}

fn too_large() -> FieldError {
    FieldError::new(
        "",
        "money.max",
        format!("amount must be below {MAX_YUAN} CNY"),
    )
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Accepts a JSON string ("12.50") or a JSON number written with at most two decimals, through
/// [`Money::parse_str`]. A refusal's message ends with `(rule <id>)` so the JSON extractor
/// (`crate::http::Json`) answers 422 naming the field and that rule.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(serde_json::Number),
        }
        let s = match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::N(n) => n.to_string(),
        };
        Money::parse_str(&s).map_err(|e| serde::de::Error::custom(crate::error::tag_rule(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_amount_with_three_decimals_is_rejected() {
        assert_eq!(
            Money::parse(dec!(1.005)).unwrap_err().rule,
            "money.max_two_decimals"
        );
    }

    #[test]
    fn a_negative_amount_is_rejected() {
        assert_eq!(
            Money::parse(dec!(-0.01)).unwrap_err().rule,
            "money.non_negative"
        );
    }

    #[test]
    fn trailing_zeros_are_not_extra_decimals() {
        assert_eq!(Money::parse(dec!(1.500)).unwrap().to_string(), "1.50");
    }

    #[test]
    fn rounding_to_the_fen_is_half_away_from_zero() {
        assert_eq!(Money::round_fen(dec!(0.005)).unwrap().fen(), 1);
        assert_eq!(Money::round_fen(dec!(0.0049)).unwrap().fen(), 0);
    }

    #[test]
    fn json_number_and_string_forms_are_read_alike() {
        let a: Money = serde_json::from_str("\"12.5\"").unwrap();
        let b: Money = serde_json::from_str("12.50").unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<Money>("1e400").is_err());
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
    }

    #[test]
    fn input_text_has_at_most_two_decimals_and_nothing_else() {
        let rule = |s: &str| Money::parse_str(s).map(|m| m.fen()).map_err(|e| e.rule);
        // Last allowed: two places; first refused: three — also when the extra places are zeros
        // or would round away (29 places are rounded by Decimal::from_str, never accepted here).
        assert_eq!(rule("1.01"), Ok(101));
        assert_eq!(rule(" 7 "), Ok(700));
        assert_eq!(rule("1.005"), Err(RULE_SCALE.to_string()));
        assert_eq!(rule("1.0000"), Err(RULE_SCALE.to_string()));
        assert_eq!(
            rule("1.00000000000000000000000000001"),
            Err(RULE_SCALE.to_string())
        );
        assert_eq!(rule("-1"), Err("money.non_negative".to_string()));
        assert_eq!(rule("-0.00"), Err("money.non_negative".to_string()));
        for bad in [
            "", "+1", "1e2", "1_000", ".5", "1.", "1,000.00", "1.2.3", "abc", "--1",
        ] {
            assert_eq!(rule(bad), Err("money.format".to_string()), "{bad}");
        }
        assert_eq!(rule("999999999999.99"), Ok(99_999_999_999_999));
        assert_eq!(rule("1000000000000"), Err("money.max".to_string()));
        assert_eq!(rule("000000000000001.50"), Ok(150));
    }

    #[test]
    fn a_json_refusal_names_the_rule_for_the_extractor() {
        for body in ["\"1.005\"", "1.005", "\"2.1000\""] {
            let e = serde_json::from_str::<Money>(body).unwrap_err().to_string();
            let (_, rule) = crate::error::untag_rule(&e).expect("tagged");
            assert_eq!(rule, RULE_SCALE, "{body}: {e}");
        }
        let e = serde_json::from_str::<Money>("-3").unwrap_err().to_string();
        assert_eq!(
            crate::error::untag_rule(&e).map(|x| x.1),
            Some("money.non_negative")
        );
    }

    proptest! {
        /// The parser accepts exactly the schema's pattern: any digits with 0–2 places (up to 12
        /// integer digits), never 3 or more places.
        #[test]
        fn the_parser_agrees_with_the_pattern(int in "[0-9]{1,12}", frac in "[0-9]{0,6}") {
            let s = if frac.is_empty() { int.clone() } else { format!("{int}.{frac}") };
            let r = Money::parse_str(&s);
            if frac.len() <= 2 {
                let m = r.expect("pattern-valid amount");
                prop_assert_eq!(m.amount(), Decimal::from_str(&s).unwrap());
            } else {
                prop_assert_eq!(r.unwrap_err().rule, RULE_SCALE);
            }
        }

        #[test]
        fn fen_round_trip_is_exact(fen in 0i64..MAX_YUAN * 100) {
            prop_assert_eq!(Money::from_fen(fen).fen(), fen);
            let s = Money::from_fen(fen).to_string();
            prop_assert_eq!(Money::parse_str(&s).unwrap().fen(), fen);
        }
    }
}
