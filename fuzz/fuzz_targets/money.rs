//! Money parsing (crates/core/src/money.rs): parsing never panics; an accepted amount is
//! non-negative, has at most two places, is displayed with exactly two, re-parses equal from its
//! display and from its fen, and serde agrees with `parse_str`.
#![no_main]

use ggzy_core::money::{Money, MAX_YUAN};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fn check(m: Money) {
    let shown = m.to_string();
    let (int, frac) = shown.split_once('.').expect("two places");
    assert_eq!(frac.len(), 2, "{shown:?}");
    assert!(int.bytes().all(|c| c.is_ascii_digit()), "{shown:?}");
    assert!(m.amount() >= Decimal::ZERO && m.amount() <= Decimal::from(MAX_YUAN));
    assert_eq!(Money::parse_str(&shown), Ok(m), "{shown:?}");
    assert_eq!(Money::from_fen(m.fen()), m, "{shown:?}");
    let json = serde_json::to_string(&m).expect("serialize");
    assert_eq!(serde_json::from_str::<Money>(&json).ok(), Some(m));
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let parsed = Money::parse_str(&s);
    if let Ok(m) = parsed {
        check(m);
    }
    // The JSON forms: a string, and (when it is one) a bare number.
    if let Ok(json) = serde_json::to_string(s.as_ref()) {
        let via_serde = serde_json::from_str::<Money>(&json).ok();
        assert_eq!(via_serde, parsed.clone().ok(), "{s:?}");
    }
    if let Ok(m) = serde_json::from_slice::<Money>(data) {
        check(m);
    }
    // The bid package's stricter price syntax accepts a subset.
    if let Some(p) = ggzy_projects::package::parse_price(&s) {
        assert_eq!(Ok(p), parsed, "{s:?}");
        check(p);
    }
    // Any decimal (from its 16-byte serialization): parse / round to the fen never panic.
    if data.len() >= 16 {
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&data[..16]);
        let d = Decimal::deserialize(raw);
        if let Ok(m) = Money::parse(d) {
            assert_eq!(m.amount(), d);
            check(m);
        }
        if let Ok(m) = Money::round_fen(d) {
            check(m);
        }
        let a = Money::from_fen(
            i64::from_le_bytes([
                data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7],
            ]) & 0x0000_ffff_ffff_ffff,
        );
        if let Ok(b) = Money::parse_str(&s) {
            let _ = a.checked_add(b);
            let _ = a.checked_sub(b);
        }
    }
});
