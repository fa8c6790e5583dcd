//! Checked identifiers of the Chinese public-resource trading domain.
//!
//! Each newtype can only be obtained through `parse`, so a value in hand is valid.

use crate::error::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

macro_rules! string_newtype {
    ($t:ident) => {
        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $t::parse(&s)
                    .map_err(|e| serde::de::Error::custom(format!("{} ({})", e.message, e.rule)))
            }
        }
    };
}

/// Unified social credit code (统一社会信用代码), GB 32100-2015.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ToSchema)]
#[schema(
    value_type = String,
    example = "91110000802100433B",
    pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
)]
pub struct Uscc(String);
string_newtype!(Uscc);

/// The 31 code symbols of GB 32100-2015 (no I, O, Z, S, V), in value order.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17: 3^i mod 31.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARS.iter().position(|&x| x == c).map(|p| p as u32)
}

impl Uscc {
    /// The check character for the first 17 characters (GB 32100-2015 §5).
    pub fn check_char(first17: &str) -> Option<char> {
        let b = first17.as_bytes();
        if b.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (i, &c) in b.iter().enumerate() {
            sum += uscc_value(c)? * USCC_WEIGHTS[i];
        }
        let v = (31 - sum % 31) % 31;
        Some(USCC_CHARS[v as usize] as char)
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 18 || !s.is_ascii() {
            return Err(FieldError::new(
                "",
                "uscc.length",
                "a unified social credit code has 18 characters (GB 32100-2015)",
            ));
        }
        if let Some(bad) = s.bytes().find(|&c| uscc_value(c).is_none()) {
            return Err(FieldError::new(
                "",
                "uscc.charset",
                format!("'{}' is not a code symbol (GB 32100-2015 uses 0-9 and A-Y without I, O, S, V, Z)", bad as char),
            ));
        }
        if !s.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new(
                "",
                "uscc.division",
                "positions 3-8 must be an administrative division code (digits)",
            ));
        }
        let expected = Self::check_char(&s[..17]).unwrap_or('?');
        if s.as_bytes()[17] as char != expected {
            return Err(FieldError::new(
                "",
                "uscc.check_character",
                "check character does not match (GB 32100-2015 §5)",
            ));
        }
        Ok(Uscc(s))
    }

    /// Builds a valid code from 17 leading characters (for demo data and tests).
    pub fn with_check(first17: &str) -> Option<Self> {
        let c = Self::check_char(first17)?;
        Self::parse(&format!("{first17}{c}")).ok()
    }
}

/// Resident identity card number (居民身份证号码), GB 11643-1999.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ToSchema)]
#[schema(value_type = String, example = "11010519491231002X", pattern = "^[0-9]{17}[0-9X]$")]
pub struct ResidentId(String);
string_newtype!(ResidentId);

const RID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RID_CHECK: &[u8; 11] = b"10X98765432";

impl ResidentId {
    pub fn check_char(first17: &str) -> Option<char> {
        let b = first17.as_bytes();
        if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = b
            .iter()
            .zip(RID_WEIGHTS)
            .map(|(&c, w)| (c - b'0') as u32 * w)
            .sum();
        Some(RID_CHECK[(sum % 11) as usize] as char)
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 18 || !s.is_ascii() {
            return Err(FieldError::new(
                "",
                "resident_id.length",
                "a resident ID number has 18 characters (GB 11643-1999)",
            ));
        }
        if !s.as_bytes()[..17].iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new(
                "",
                "resident_id.digits",
                "the first 17 characters must be digits",
            ));
        }
        let y: i32 = s[6..10].parse().unwrap_or(0);
        let m: u32 = s[10..12].parse().unwrap_or(0);
        let d: u32 = s[12..14].parse().unwrap_or(0);
        match NaiveDate::from_ymd_opt(y, m, d) {
            Some(date) if y >= 1900 && date <= chrono::Utc::now().date_naive() => {}
            _ => {
                return Err(FieldError::new(
                    "",
                    "resident_id.birth_date",
                    "characters 7-14 must be a real birth date (GB 11643-1999)",
                ))
            }
        }
        let expected = Self::check_char(&s[..17]).unwrap_or('?');
        if s.as_bytes()[17] as char != expected {
            return Err(FieldError::new(
                "",
                "resident_id.check_digit",
                "check digit does not match (GB 11643-1999 ISO 7064 MOD 11-2)",
            ));
        }
        Ok(ResidentId(s))
    }

    pub fn birth_date(&self) -> NaiveDate {
        let s = &self.0;
        NaiveDate::from_ymd_opt(
            s[6..10].parse().unwrap_or(1900),
            s[10..12].parse().unwrap_or(1),
            s[12..14].parse().unwrap_or(1),
        )
        .unwrap_or_default()
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let b = self.birth_date();
        let mut age = on.year() - b.year();
        if (on.month(), on.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }

    /// Masked form for display to anyone but staff: `2102**********123X`.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    pub fn with_check(first17: &str) -> Option<Self> {
        let c = Self::check_char(first17)?;
        Self::parse(&format!("{first17}{c}")).ok()
    }
}

/// A mainland mobile number (11 digits starting 13-19) or a landline with area code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ToSchema)]
#[schema(value_type = String, example = "13900000000")]
pub struct Phone(String);
string_newtype!(Phone);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let compact: String = s
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let compact = compact.strip_prefix("+86").unwrap_or(&compact).to_string();
        let digits = compact.bytes().all(|c| c.is_ascii_digit());
        let mobile = digits
            && compact.len() == 11
            && compact.starts_with('1')
            && (b'3'..=b'9').contains(&compact.as_bytes()[1]);
        let landline = digits && compact.starts_with('0') && (10..=12).contains(&compact.len());
        if mobile || landline {
            Ok(Phone(compact))
        } else {
            Err(FieldError::new(
                "",
                "phone.format",
                "expected an 11-digit mobile number or a landline with area code",
            ))
        }
    }
}

/// An administrative division code (行政区划代码, GB/T 2260), six digits, e.g. `210200` for Dalian.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ToSchema)]
#[schema(value_type = String, example = "210200")]
pub struct RegionCode(String);
string_newtype!(RegionCode);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if s.len() == 6 && s.bytes().all(|c| c.is_ascii_digit()) && &s[..2] != "00" {
            Ok(RegionCode(s.to_string()))
        } else {
            Err(FieldError::new(
                "",
                "region.format",
                "a region code is six digits (GB/T 2260), e.g. 210200",
            ))
        }
    }
}

/// The four markets of the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Market {
    /// 工程建设 construction bidding
    Construction,
    /// 政府采购 government procurement
    Procurement,
    /// 土地矿业权 land-use and mining rights
    Land,
    /// 产权交易 state-owned property rights
    Property,
}

impl Market {
    pub const ALL: [Market; 4] = [
        Market::Construction,
        Market::Procurement,
        Market::Land,
        Market::Property,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Market::Construction => "construction",
            Market::Procurement => "procurement",
            Market::Land => "land",
            Market::Property => "property",
        }
    }
    /// The two-letter market part of the unified trading code.
    pub fn code(&self) -> &'static str {
        match self {
            Market::Construction => "GC",
            Market::Procurement => "ZC",
            Market::Land => "TD",
            Market::Property => "CQ",
        }
    }
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Market::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    "market.unknown",
                    "market must be one of construction, procurement, land, property",
                )
            })
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Market::ALL.into_iter().find(|m| m.code() == s)
    }
}

// A market column (`TEXT` code) reads as a `Market`; an unknown code fails the read.
crate::text_enum!(
    Market,
    |s: &str| Market::parse(s).map_err(|e| e.message),
    Market::as_str
);

/// Unified trading code (统一交易编码): region + market + year + sequence, e.g. `210200-GC-2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ToSchema)]
#[schema(value_type = String, example = "210200-GC-2026-000123")]
pub struct ProjectCode(String);
string_newtype!(ProjectCode);

impl ProjectCode {
    pub fn new(region: &RegionCode, market: Market, year: i32, seq: u32) -> Self {
        ProjectCode(format!(
            "{}-{}-{:04}-{:06}",
            region.as_str(),
            market.code(),
            year,
            seq
        ))
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let err = || {
            FieldError::new(
                "",
                "project_code.format",
                "expected REGION-MK-YYYY-NNNNNN, e.g. 210200-GC-2026-000123",
            )
        };
        let parts: Vec<&str> = s.trim().split('-').collect();
        if parts.len() != 4 {
            return Err(err());
        }
        // Exactly the six digits: `RegionCode::parse` trims, which let "210200 -GC-…" through
        // (found by fuzzing).
        RegionCode::parse(parts[0])
            .ok()
            .filter(|r| r.as_str() == parts[0])
            .ok_or_else(err)?;
        Market::from_code(parts[1]).ok_or_else(err)?;
        if parts[2].len() != 4 || !parts[2].bytes().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        if parts[3].len() != 6 || !parts[3].bytes().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        Ok(ProjectCode(s.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID_USCC: &str = "91350100M000100Y43";

    #[test]
    fn a_published_uscc_is_accepted() {
        // A code as printed on a business licence (check character computed per GB 32100-2015).
        assert!(Uscc::parse(VALID_USCC).is_ok());
        assert!(Uscc::parse("91110000802100433B").is_ok());
    }

    #[test]
    fn a_uscc_with_a_wrong_check_character_is_rejected() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err().rule,
            "uscc.check_character"
        );
    }

    #[test]
    fn a_uscc_with_a_forbidden_letter_is_rejected() {
        assert_eq!(
            Uscc::parse("91350100M000100I43").unwrap_err().rule,
            "uscc.charset"
        );
    }

    #[test]
    fn a_short_uscc_is_rejected() {
        assert_eq!(Uscc::parse("9135010").unwrap_err().rule, "uscc.length");
    }

    #[test]
    fn check_character_thirty_one_is_written_as_zero() {
        // Search a code whose weighted sum is a multiple of 31, so the check value would be 31 -> '0'.
        let mut found = false;
        for n in 0..10_000u32 {
            let first17 = format!("9121020000000{n:04}");
            if Uscc::check_char(&first17) == Some('0') {
                assert!(Uscc::parse(&format!("{first17}0")).is_ok());
                found = true;
                break;
            }
        }
        assert!(found);
    }

    #[test]
    fn a_valid_resident_id_is_accepted() {
        // GB 11643-1999 appendix example.
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.masked(), "1101**********002X");
    }

    #[test]
    fn a_resident_id_with_a_wrong_check_digit_is_rejected() {
        assert_eq!(
            ResidentId::parse("110105194912310021").unwrap_err().rule,
            "resident_id.check_digit"
        );
    }

    #[test]
    fn a_resident_id_with_an_impossible_birth_date_is_rejected() {
        let id = ResidentId::with_check("11010519490231002");
        assert!(id.is_none());
        let first17 = "11010519490231002";
        let c = ResidentId::check_char(first17).unwrap();
        assert_eq!(
            ResidentId::parse(&format!("{first17}{c}"))
                .unwrap_err()
                .rule,
            "resident_id.birth_date"
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(
            id.age_on(NaiveDate::from_ymd_opt(2009, 12, 30).unwrap()),
            59
        );
        assert_eq!(
            id.age_on(NaiveDate::from_ymd_opt(2009, 12, 31).unwrap()),
            60
        );
    }

    #[test]
    fn phones() {
        assert!(Phone::parse("139 0000 0000").is_ok());
        assert!(Phone::parse("+8613900000000").is_ok());
        assert!(Phone::parse("0411-65850000").is_ok());
        assert!(Phone::parse("12900000000").is_err());
        assert!(Phone::parse("1390000000").is_err());
    }

    #[test]
    fn project_code_round_trip() {
        let c = ProjectCode::new(
            &RegionCode::parse("210200").unwrap(),
            Market::Construction,
            2026,
            123,
        );
        assert_eq!(c.as_str(), "210200-GC-2026-000123");
        assert!(ProjectCode::parse(c.as_str()).is_ok());
        assert!(ProjectCode::parse("210200-XX-2026-000123").is_err());
    }

    #[test]
    fn a_project_code_with_spaces_inside_is_rejected() {
        // fuzz/seeds/ident/project_code_inner_space: accepted and stored with the space before.
        for bad in [
            "210200 -GC-2026-000123",
            "210200\t-GC-2026-000123",
            " 210200 -GC-2026-000123",
        ] {
            assert!(ProjectCode::parse(bad).is_err(), "{bad:?}");
        }
        // Around the whole code, spaces are still trimmed.
        let c = ProjectCode::parse(" 210200-GC-2026-000123 ").unwrap();
        assert_eq!(c.as_str(), "210200-GC-2026-000123");
    }

    fn uscc_symbol() -> impl Strategy<Value = u8> {
        (0usize..31).prop_map(|i| USCC_CHARS[i])
    }

    proptest! {
        /// Every single-character change of a valid code is refused (GB 32100-2015's check character
        /// detects all single substitutions because 31 is prime and every weight is non-zero mod 31).
        #[test]
        fn every_single_character_change_of_a_valid_uscc_is_refused(pos in 0usize..18, sym in uscc_symbol()) {
            let mut b = VALID_USCC.as_bytes().to_vec();
            prop_assume!(b[pos] != sym);
            b[pos] = sym;
            let s = String::from_utf8(b).unwrap();
            prop_assert!(Uscc::parse(&s).is_err());
        }

        #[test]
        fn generated_codes_parse(body in proptest::collection::vec(uscc_symbol(), 17), div in 100000u32..999999) {
            let mut first17: Vec<u8> = body;
            first17[2..8].copy_from_slice(format!("{div:06}").as_bytes());
            let s = String::from_utf8(first17).unwrap();
            prop_assert!(Uscc::with_check(&s).is_some());
        }

        #[test]
        fn every_single_digit_change_of_a_valid_resident_id_is_refused(pos in 0usize..18, d in 0u8..10) {
            let mut b = b"11010519491231002X".to_vec();
            let sym = if pos == 17 && d == 0 { b'X' } else { b'0' + d };
            prop_assume!(b[pos] != sym);
            b[pos] = sym;
            prop_assert!(ResidentId::parse(std::str::from_utf8(&b).unwrap()).is_err());
        }
    }
}
