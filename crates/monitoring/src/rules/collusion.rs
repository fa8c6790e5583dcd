//! Collusion rules (串通投标): shared traces, identical prices, price progressions.

use super::*;

/// A trace a bidder left on a section: an upload address, a device, a file creator, a payer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub org_id: String,
    pub event_id: String,
}

/// Values that identify nothing (a client that did not send the field).
pub fn is_blank_trace(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || v.eq_ignore_ascii_case("unknown") || v == "-"
}

/// Same IP / device / file creator / payer account across different bidders of one section.
pub fn shared_trace(rule: &RuleConfig, value: &str, traces: &[Trace]) -> Option<Finding> {
    if is_blank_trace(value) {
        return None;
    }
    let orgs: BTreeSet<&str> = traces.iter().map(|t| t.org_id.as_str()).collect();
    if (orgs.len() as i64) < rule.param("min_bidders").max(2) {
        return None;
    }
    let what = match rule.id.as_str() {
        SAME_IP => ("IP地址", "IP address"),
        SAME_DEVICE => ("设备指纹", "device fingerprint"),
        SAME_FILE_CREATOR => ("文件制作人", "file creator"),
        SAME_PROJECT_MANAGER => ("项目经理", "project manager"),
        SAME_REPRESENTATIVE => ("授权代表", "authorized representative"),
        _ => ("付款账户", "payer account"),
    };
    let list: Vec<&str> = orgs.iter().copied().collect();
    let events: Vec<&str> = traces.iter().map(|t| t.event_id.as_str()).collect();
    Some(finding(
        rule,
        value.to_string(),
        json!({"value": value, "org_ids": list, "event_ids": events}),
        format!(
            "{}家投标人使用同一{}（{}）：{}",
            orgs.len(),
            what.0,
            value,
            list.join("、")
        ),
        format!(
            "{} bidders share the same {} ({}): {}",
            orgs.len(),
            what.1,
            value,
            list.join(", ")
        ),
    ))
}

/// One entry of an opening record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidEntry {
    pub org_id: String,
    pub org_name: String,
    /// Price in fen, when the bid was decrypted.
    pub price_fen: Option<i64>,
    /// Decrypted, deposit not missing or invalid, and priced.
    pub valid: bool,
}

/// Different bidders with exactly the same price (one finding per repeated price).
pub fn identical_prices(rule: &RuleConfig, entries: &[BidEntry], event_id: &str) -> Vec<Finding> {
    let mut by_price: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    for e in entries {
        if let Some(p) = e.price_fen {
            by_price.entry(p).or_default().insert(e.org_id.as_str());
        }
    }
    let min = rule.param("min_bidders").max(2);
    by_price
        .into_iter()
        .filter(|(_, orgs)| orgs.len() as i64 >= min)
        .map(|(p, orgs)| {
            let list: Vec<&str> = orgs.into_iter().collect();
            finding(
                rule,
                format!("price:{p}"),
                json!({"price": yuan(p), "org_ids": list, "event_ids": [event_id]}),
                format!("{}家投标人报价均为{}元", list.len(), yuan(p)),
                format!("{} bidders offered exactly {} CNY", list.len(), yuan(p)),
            )
        })
        .collect()
}

/// The longest run of sorted distinct prices with a constant difference or a constant ratio.
/// Returns (kind, run) where kind is "difference" or "ratio".
pub fn longest_progression(prices: &[i64]) -> Option<(&'static str, Vec<i64>)> {
    let set: BTreeSet<i64> = prices.iter().copied().filter(|p| *p > 0).collect();
    let p: Vec<i64> = set.into_iter().collect();
    if p.len() < 3 {
        return None;
    }
    let mut best: Option<(&'static str, Vec<i64>)> = None;
    let mut consider = |kind: &'static str, run: &[i64]| {
        if run.len() >= 3 && best.as_ref().is_none_or(|(_, b)| run.len() > b.len()) {
            best = Some((kind, run.to_vec()));
        }
    };
    // Constant difference.
    let mut start = 0;
    for i in 2..=p.len() {
        let continues = i < p.len() && p[i] - p[i - 1] == p[i - 1] - p[i - 2];
        if !continues {
            consider("difference", &p[start..i]);
            start = i - 1;
        }
    }
    // Constant ratio, exactly: a[i]² = a[i-1]·a[i+1] in integers.
    let mut start = 0;
    for i in 2..=p.len() {
        let continues = i < p.len()
            && (p[i - 1] as i128) * (p[i - 1] as i128) == (p[i - 2] as i128) * (p[i] as i128);
        if !continues {
            if i - start >= 3 {
                consider("ratio", &p[start..i]);
            }
            start = i - 1;
        }
    }
    best
}

/// Prices in a regular progression across at least `min_bids` bids.
pub fn price_progression(
    rule: &RuleConfig,
    entries: &[BidEntry],
    event_id: &str,
) -> Option<Finding> {
    let prices: Vec<i64> = entries.iter().filter_map(|e| e.price_fen).collect();
    let (kind, run) = longest_progression(&prices)?;
    if (run.len() as i64) < rule.param("min_bids").max(3) {
        return None;
    }
    let shown: Vec<String> = run.iter().map(|p| yuan(*p)).collect();
    let orgs: Vec<&str> = entries
        .iter()
        .filter(|e| e.price_fen.is_some_and(|p| run.contains(&p)))
        .map(|e| e.org_id.as_str())
        .collect();
    let (zh_kind, step) = if kind == "difference" {
        ("等差", yuan(run[1] - run[0]))
    } else {
        ("等比", format!("{}/{}", yuan(run[1]), yuan(run[0])))
    };
    Some(finding(
        rule,
        "progression".into(),
        json!({"kind": kind, "step": step, "prices": shown, "org_ids": orgs, "event_ids": [event_id]}),
        format!(
            "{}个报价呈{}规律（{}）：{}",
            run.len(),
            zh_kind,
            step,
            shown.join("、")
        ),
        format!(
            "{} prices form a constant {} ({}): {}",
            run.len(),
            kind,
            step,
            shown.join(", ")
        ),
    ))
}
