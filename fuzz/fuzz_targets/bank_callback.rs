//! The bank callback verifier and body parsers (crates/deposits/src/http.rs `verify`, the
//! `TransferNotice` and `RefundConfirmation` bodies): arbitrary timestamps, signatures and bodies
//! never panic; a correct signature over any body with a fresh timestamp is accepted, and the same
//! signature with a changed body is refused.
//!
//! Input layout: `timestamp \n signature \n body`.
#![no_main]

use chrono::{TimeZone, Utc};
use ggzy_deposits::http::{sign, verify};
use ggzy_deposits::lifecycle::RefundConfirmation;
use ggzy_deposits::service::TransferNotice;
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = b"fuzz-bank-key-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let now = Utc
        .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("a valid instant");
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let ts = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let sig = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();

    // Attacker-controlled everything.
    let _ = verify(KEY, &ts, &sig, body, now);
    let _ = verify(b"", &ts, &sig, body, now);
    // A correctly signed body: accepted when the timestamp is fresh, whatever the body.
    let fresh = now.timestamp().to_string();
    let good = sign(KEY, &fresh, body);
    assert!(verify(KEY, &fresh, &good, body, now).is_ok());
    let mut changed = body.to_vec();
    changed.push(b' ');
    assert!(verify(KEY, &fresh, &good, &changed, now).is_err());
    // The attacker's timestamp with a valid signature over it: accepted only within the skew.
    let signed = sign(KEY, &ts, body);
    if verify(KEY, &ts, &signed, body, now).is_ok() {
        let t: i64 = ts
            .trim()
            .parse()
            .expect("an accepted timestamp is an integer");
        assert!(now.timestamp().abs_diff(t) <= 300, "{ts:?}");
    }

    // The bodies the handlers parse after verifying.
    let _ = serde_json::from_slice::<TransferNotice>(body);
    let _ = serde_json::from_slice::<RefundConfirmation>(body);
    let _ = serde_json::from_slice::<TransferNotice>(data);
});
