//! Unit tests of `view` (moved from the parent module).

use super::*;
use serde_json::json;

fn m(s: &str) -> Money {
    Money::parse_str(s).expect("money")
}

#[test]
fn money_has_thousands_separators_two_places_and_the_yuan_sign() {
    assert_eq!(money(m("9876543.21")), "9,876,543.21 元");
    assert_eq!(money(m("1000000")), "1,000,000.00 元");
    assert_eq!(money(m("999.5")), "999.50 元");
    assert_eq!(money(m("0")), "0.00 元");
    assert_eq!(money(m("100000")), "100,000.00 元");
}

#[test]
fn datetime_attributes_are_beijing_time_without_fractions() {
    let t = DateTime::parse_from_rfc3339("2026-12-05T00:25:00.123456789+00:00")
        .expect("t")
        .with_timezone(&Utc);
    assert_eq!(datetime_attr(t), "2026-12-05T08:25:00+08:00");
    assert_eq!(when(t), "2026-12-05 08:25");
}

#[test]
fn uuids_are_recognised() {
    assert!(is_uuid("0192f1c2-7d3e-7a10-9b2c-1234567890ab"));
    assert!(!is_uuid("91210200MA0000001X"));
    assert!(!is_uuid("甲建设有限公司"));
}

#[test]
fn facts_translate_keys_format_money_and_time_and_leave_out_ids_and_unknown_keys() {
    let names: Names = [("o1".to_string(), "甲建设有限公司".to_string())].into();
    let fields = json!({
        "project_name": "某道路改造工程",
        "price": "9876543.21",
        "awarded_at": "2026-04-10T01:00:00Z",
        "winner_org_id": "o1",
        "deal_id": "0192f1c2-7d3e-7a10-9b2c-1234567890ab",
        "procedure": "open_tender",
        "mystery_key": "x",
        "consortium_accepted": false,
    });
    let zh = facts(&fields, &names, Lang::Zh);
    let pairs: Vec<(&str, &str)> = zh
        .iter()
        .map(|f| (f.label, f.value.text.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("项目名称", "某道路改造工程"),
            ("交易方式", "公开招标"),
            ("是否接受联合体", "否"),
            ("中标（成交）人", "甲建设有限公司"),
            ("中标（成交）价", "9,876,543.21 元"),
            ("确定时间", "2026-04-10 09:00"),
        ]
    );
    let time = zh.iter().find(|f| f.label == "确定时间").expect("time");
    assert_eq!(
        time.value.datetime.as_deref(),
        Some("2026-04-10T09:00:00+08:00")
    );
    // An unknown organization id is not shown at all.
    let none = facts(&json!({"winner_org_id": "o9"}), &Names::new(), Lang::En);
    assert!(none.is_empty());
    // A winner name wins over the id.
    let named = facts(
        &json!({"winner": "乙公司", "winner_org_id": "o1"}),
        &names,
        Lang::En,
    );
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].value.text, "乙公司");
    assert_eq!(named[0].label, "Winner");
}

#[test]
fn codes_are_translated_and_unknown_codes_are_not_shown() {
    let f = facts(
        &json!({"reason": "too_few_bids", "kind": "failed", "basis": "实施条例 第44条"}),
        &Names::new(),
        Lang::En,
    );
    let texts: Vec<&str> = f.iter().map(|x| x.value.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Failed",
            "Fewer bids than the legal minimum",
            "实施条例 第44条"
        ]
    );
    let typed = facts(&json!({"reason": "投标人少于3个"}), &Names::new(), Lang::Zh);
    assert_eq!(typed[0].value.text, "投标人少于3个");
    let unknown = facts(&json!({"reason": "some_new_code"}), &Names::new(), Lang::Zh);
    assert!(unknown.is_empty());
}

#[test]
fn bids_and_candidates_become_tables_with_names_money_and_translated_states() {
    let names: Names = [("o2".to_string(), "乙建设有限公司".to_string())].into();
    let fields = json!({
        "bids": [
            {"bid_id": "b1", "org_id": "o1", "org_name": "甲建设有限公司", "uscc": "91210200MA0000001X",
             "price": "9876543.21", "decryption": "decrypted", "deposit": "valid", "suite": "aes-256-gcm"},
            {"bid_id": "b2", "org_id": "o2", "org_name": "", "uscc": "91210200MA0000002X",
             "price": null, "decryption": "not_decrypted", "deposit": "unknown"}],
        "candidates": [
            {"rank": 2, "org_id": "o2", "name": "乙建设有限公司", "price": "9900000.00"},
            {"rank": 1, "org_id": "o1", "name": "甲建设有限公司", "price": "9876543.21"}],
    });
    let ts = tables(&fields, &names, Lang::Zh);
    assert_eq!(ts.len(), 2);
    let c = &ts[0];
    assert_eq!(c.columns, ["排名", "中标候选人", "投标报价"]);
    assert_eq!(c.rows[0][1].text, "甲建设有限公司");
    assert_eq!(c.rows[0][2].text, "9,876,543.21 元");
    let b = &ts[1];
    assert_eq!(
        b.columns,
        [
            "序号",
            "投标人",
            "统一社会信用代码",
            "投标报价",
            "解密情况",
            "保证金"
        ]
    );
    assert_eq!(b.rows[0][3].text, "9,876,543.21 元");
    assert_eq!(b.rows[0][4].text, "已解密");
    // An empty name falls back to the organization's name from the projection.
    assert_eq!(b.rows[1][1].text, "乙建设有限公司");
    assert_eq!(b.rows[1][3].text, "—");
    assert_eq!(b.rows[1][5].text, "未确认");
    let all: String = ts
        .iter()
        .flat_map(|t| t.rows.iter().flatten())
        .map(|s| s.text.clone())
        .collect();
    assert!(
        !all.contains("b1") && !all.contains("aes") && !all.contains("decrypted"),
        "{all}"
    );
}
