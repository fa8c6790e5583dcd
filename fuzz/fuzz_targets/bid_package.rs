//! The sealed bid package reader (crates/projects/src/package.rs, ggzy-bid/1).
//!
//! Two paths: the input as a package (header, nonce, segment lengths, tags: reading arbitrary bytes
//! never panics and never allocates more than a segment), and the input as a *plaintext* sealed
//! with a known key, so that the manifest reader sees arbitrary decrypted bytes (length prefix,
//! JSON, sizes) — the fuzzer could never forge a valid tag itself.
#![no_main]

use ggzy_projects::package::{self, Suite};
use libfuzzer_sys::fuzz_target;

const AES_KEY: [u8; 32] = [7; 32];
const SM4_KEY: [u8; 16] = [5; 16];
const PREFIX: [u8; 7] = [9; 7];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let suite = if selector & 1 == 0 {
        Suite::Aes256GcmSha256
    } else {
        Suite::Sm4GcmSm3
    };
    let key: &[u8] = match suite {
        Suite::Aes256GcmSha256 => &AES_KEY,
        Suite::Sm4GcmSm3 => &SM4_KEY,
    };

    // 1. Arbitrary bytes as a package, with the right key and a wrong-length one.
    let _ = package::read_header(&mut &rest[..]);
    let _ = package::open(key, rest, "");
    let _ = package::open(&[1, 2, 3], rest, "");
    // A declared length larger than the bytes (a truncated upload) must not be trusted.
    let _ = package::open_stream(key, rest, u64::MAX, "", std::io::sink());
    let _ = package::open_stream(key, rest, (rest.len() as u64) << 20, "", std::io::sink());

    // 2. Arbitrary bytes as the plaintext of a correctly sealed package.
    let sealed = package::seal(suite, key, &PREFIX, rest).expect("sealing never fails");
    match package::open(key, &sealed.ciphertext, &sealed.digest) {
        Ok(o) => {
            assert_eq!(o.plaintext_len, rest.len() as u64);
            assert!(package::parse_price(&o.manifest.price).is_some());
            let docs: u128 = o
                .manifest
                .documents
                .iter()
                .map(|d| u128::from(d.size))
                .sum();
            assert!(docs <= rest.len() as u128);
        }
        Err(package::PackageError::Malformed(_)) => {}
        Err(e) => panic!("a package sealed with this key must decrypt: {e}"),
    }
    // Flipping a byte of a sealed package is refused, never accepted or a panic.
    if !sealed.ciphertext.is_empty() {
        let mut bad = sealed.ciphertext.clone();
        let i = usize::from(selector) % bad.len();
        bad[i] ^= 0x80;
        assert!(package::open(key, &bad, &sealed.digest).is_err());
    }
});
