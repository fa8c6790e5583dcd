//! `ggzy bid seal` as a bidder runs it: a package and a key file that open with the platform's code,
//! for both suites; bad input refused with a non-zero exit code.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use ggzy_projects::bidder::read_key_file;
use ggzy_projects::package::{self, Suite};
use std::process::Command;

fn ggzy(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(args)
        .output()
        .expect("run ggzy");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn line<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no '{prefix}' in {out}"))
        .trim()
}

#[test]
fn bid_seal_writes_a_package_and_key_file_that_open_for_both_suites() {
    let dir = tempfile::tempdir().unwrap();
    let doc1 = dir.path().join("商务标.pdf");
    let doc2 = dir.path().join("技术标.pdf");
    std::fs::write(&doc1, vec![3u8; 150_000]).unwrap();
    std::fs::write(&doc2, b"technical").unwrap();
    for (short, suite) in [("aes", Suite::Aes256GcmSha256), ("sm4", Suite::Sm4GcmSm3)] {
        let out = dir.path().join(format!("{short}.bid"));
        let (code, text) = ggzy(&[
            "bid",
            "seal",
            "--price",
            "123.45",
            "--suite",
            short,
            "--out",
            out.to_str().unwrap(),
            doc1.to_str().unwrap(),
            doc2.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{text}");
        assert_eq!(line(&text, "suite:"), suite.name());
        let digest = line(&text, "digest:").to_string();
        let kf = read_key_file(std::path::Path::new(line(&text, "key file:"))).unwrap();
        assert_eq!(kf.key, line(&text, "key:"));
        assert_eq!(kf.digest, digest);
        let key = kf.key_bytes().unwrap();
        assert_eq!(key.len(), suite.key_len());
        let pkg = std::fs::read(&out).unwrap();
        assert!(!String::from_utf8_lossy(&pkg).contains("123.45"));
        let opened = package::open(&key, &pkg, &digest).unwrap();
        assert_eq!(opened.suite, suite);
        assert_eq!(opened.manifest.price, "123.45");
        let names: Vec<&str> = opened
            .manifest
            .documents
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["商务标.pdf", "技术标.pdf"]);
        assert_eq!(opened.manifest.documents[0].size, 150_000);
        assert_eq!(
            opened.manifest.documents[1].digest,
            suite.digest_hex(b"technical")
        );
    }
    // A float-like or three-decimal price, an unknown suite, a missing file: refused.
    let out = dir.path().join("bad.bid");
    let out = out.to_str().unwrap();
    for args in [
        vec!["bid", "seal", "--price", "1.234", "--out", out],
        vec!["bid", "seal", "--price", "1e3", "--out", out],
        vec![
            "bid", "seal", "--price", "1.00", "--suite", "des", "--out", out,
        ],
        vec![
            "bid",
            "seal",
            "--price",
            "1.00",
            "--out",
            out,
            "/nonexistent/x.pdf",
        ],
    ] {
        let (code, text) = ggzy(&args);
        assert_ne!(code, 0, "{args:?}: {text}");
    }
}
