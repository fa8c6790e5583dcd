use super::*;

fn decl(fault: &str, reason: &str) -> FaultDeclarationInput {
    FaultDeclarationInput {
        bid_id: "B1".into(),
        fault: fault.into(),
        reason: reason.into(),
    }
}

fn rules_of(r: Result<()>) -> Vec<String> {
    match r {
        Ok(()) => Vec::new(),
        Err(Error::Validation(v)) => v.into_iter().map(|e| e.rule).collect(),
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn only_a_platform_or_ca_fault_with_a_reason_of_1_to_1000_characters_is_declared() {
    assert!(check_fault_input(&decl("platform", "x")).is_ok());
    assert!(check_fault_input(&decl("ca", &"断".repeat(1000))).is_ok());
    assert_eq!(
        rules_of(check_fault_input(&decl("ca", &"断".repeat(1001)))),
        vec!["opening.fault_reason"]
    );
    assert_eq!(
        rules_of(check_fault_input(&decl("bidder", "  "))),
        vec!["opening.fault_kind", "opening.fault_reason"]
    );
}

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn the_document_index_gives_each_documents_range_and_sha256() {
    use sha2::Digest;
    let docs: [(&str, &[u8]); 3] = [
        ("商务标.pdf", b"%PDF-1.7 business"),
        ("empty.bin", b""),
        ("技术标.txt", b"technical part, 180 days"),
    ];
    let suite = package::Suite::Sm4GcmSm3;
    let plain = package::plaintext(suite, "100.00", &docs);
    let key = [7u8; 16];
    let sealed = package::seal(suite, &key, &[1; 7], &plain).unwrap();
    let opened = package::open(&key, &sealed.ciphertext, &sealed.digest).unwrap();
    let path = ggzy_store::files::temp_path("docindex-test");
    std::fs::write(&path, &plain).unwrap();
    let (metas, index) = document_metas(&path, &opened);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(metas.len(), 3);
    assert_eq!(index.len(), 3);
    for (i, (d, (name, bytes))) in index.iter().zip(docs).enumerate() {
        assert_eq!(d.n, i + 1);
        assert_eq!(d.name, name);
        assert_eq!(d.size, bytes.len() as u64);
        let start = d.offset as usize;
        assert_eq!(&plain[start..start + bytes.len()], bytes, "{name}");
        // SHA-256 of the bytes, whatever the package's own hash (SM3 here).
        assert_eq!(d.sha256, hex::encode(sha2::Sha256::digest(bytes)));
    }
    assert_eq!(index[0].media_type, "application/pdf");
    assert_eq!(index[1].media_type, "application/octet-stream");
    assert_eq!(index[2].media_type, "text/plain; charset=utf-8");
    // Recognized by the first bytes before the name.
    assert_eq!(document_media_type("x.txt", b"%PDF-1.4"), "application/pdf");
    assert_eq!(
        document_media_type("标书.docx", b"PK\x03\x04rest"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        document_media_type("page.html", b"<html>"),
        "application/octet-stream"
    );
}

#[test]
fn two_bids_fail_three_open() {
    let r = OpeningRules::national();
    assert!(!r.opens(0));
    assert!(!r.opens(2), "first refused: two bids (实施条例 44)");
    assert!(r.opens(3), "last allowed boundary: three bids open");
    assert!(r.min_bids_source.contains("第四十四条"));
}

#[test]
fn below_the_minimum_after_revocations_is_flagged_at_two_decrypted_bids_not_three() {
    let r = OpeningRules::national();
    assert!(
        r.below_min_after_opening(2),
        "first flagged: two decrypted bids"
    );
    assert!(
        !r.below_min_after_opening(3),
        "last unflagged: three decrypted bids"
    );
    assert!(BELOW_MIN_SOURCE.contains("第二十七条"));
}

#[test]
fn the_window_starts_at_the_opening_time_unless_the_timer_fired_much_later() {
    let opening = at("2026-03-22T01:30:00Z");
    assert_eq!(
        window_start(opening, at("2026-03-22T01:30:00.250Z")),
        opening
    );
    assert_eq!(
        window_start(opening, at("2026-03-22T01:31:00.900Z")),
        opening
    );
    assert_eq!(
        window_start(opening, at("2026-03-22T01:31:01.900Z")),
        at("2026-03-22T01:31:01Z")
    );
}

#[test]
fn the_window_accepts_its_last_second_and_refuses_its_end() {
    let r = OpeningRules::national();
    let opened = at("2026-03-22T01:30:00Z");
    let ends = r.window_ends(opened);
    assert_eq!(ends, at("2026-03-22T02:00:00Z"));
    assert!(key_accepted(opened, ends));
    assert!(key_accepted(ends - chrono::Duration::seconds(1), ends));
    assert!(key_accepted(ends - chrono::Duration::milliseconds(1), ends));
    assert!(!key_accepted(ends, ends));
    assert!(!key_accepted(
        ends + chrono::Duration::milliseconds(999),
        ends
    ));
}
