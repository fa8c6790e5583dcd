//! Identifier parsers (crates/core/src/ident.rs): parsing never panics, an accepted value is in
//! canonical form and parses back to itself from its display.
#![no_main]

use chrono::NaiveDate;
use ggzy_core::ident::{Market, Phone, ProjectCode, RegionCode, ResidentId, Uscc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();

    // 统一社会信用代码, GB 32100-2015.
    let _ = Uscc::check_char(s);
    if let Ok(u) = Uscc::parse(s) {
        let shown = u.to_string();
        assert_eq!(shown.len(), 18, "{shown:?}");
        assert_eq!(Uscc::parse(&shown).as_ref(), Ok(&u), "{shown:?}");
        assert_eq!(Uscc::with_check(&shown[..17]).as_ref(), Some(&u));
    }

    // 居民身份证号码, GB 11643-1999.
    let _ = ResidentId::check_char(s);
    if let Ok(id) = ResidentId::parse(s) {
        let shown = id.to_string();
        assert_eq!(shown.len(), 18, "{shown:?}");
        assert_eq!(ResidentId::parse(&shown).as_ref(), Ok(&id), "{shown:?}");
        assert_eq!(ResidentId::with_check(&shown[..17]).as_ref(), Some(&id));
        let masked = id.masked();
        assert_eq!(masked.len(), 18);
        let born = id.birth_date();
        assert!(born.format("%Y%m%d").to_string() == shown[6..14]);
        let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
        assert!(id.age_on(far) >= 0);
    }

    if let Ok(p) = Phone::parse(s) {
        let shown = p.to_string();
        assert!(shown.bytes().all(|c| c.is_ascii_digit()), "{shown:?}");
        assert_eq!(Phone::parse(&shown).as_ref(), Ok(&p), "{shown:?}");
    }

    if let Ok(r) = RegionCode::parse(s) {
        let shown = r.to_string();
        assert!(shown.len() == 6 && shown.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(RegionCode::parse(&shown).as_ref(), Ok(&r));
    }

    if let Ok(m) = Market::parse(s) {
        assert_eq!(Market::parse(m.as_str()), Ok(m));
        assert_eq!(Market::from_code(m.code()), Some(m));
    }
    let _ = Market::from_code(s);

    // 统一交易编码: REGION-MK-YYYY-NNNNNN, exactly.
    if let Ok(c) = ProjectCode::parse(s) {
        let shown = c.to_string();
        let b = shown.as_bytes();
        let canonical = b.len() == 21
            && b[6] == b'-'
            && b[9] == b'-'
            && b[14] == b'-'
            && [0..6, 10..14, 15..21]
                .into_iter()
                .all(|r| b[r].iter().all(u8::is_ascii_digit))
            && Market::from_code(&shown[7..9]).is_some();
        assert!(
            canonical,
            "accepted a project code not in canonical form: {shown:?}"
        );
        assert_eq!(ProjectCode::parse(&shown).as_ref(), Ok(&c));
    }
});
