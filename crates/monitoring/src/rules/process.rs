//! Process rules: single valid bid, short periods, moved deadlines, prices and winners.

use super::*;

pub fn single_valid_bid(
    rule: &RuleConfig,
    entries: &[BidEntry],
    event_id: &str,
) -> Option<Finding> {
    let valid: Vec<&BidEntry> = entries.iter().filter(|e| e.valid).collect();
    if valid.len() != 1 {
        return None;
    }
    Some(finding(
        rule,
        "single_valid_bid".into(),
        json!({"bids": entries.len(), "valid_bids": 1, "org_ids": [valid[0].org_id], "event_ids": [event_id]}),
        format!(
            "开标记录{}份投标中仅{}一份有效",
            entries.len(),
            valid[0].org_name
        ),
        format!(
            "Only one of {} bids is valid ({})",
            entries.len(),
            valid[0].org_name
        ),
    ))
}

/// Calendar days from the issue of tender documents to the bid deadline, as dates in Shanghai
/// (招标投标法 24 counts days, not hours).
pub fn bidding_days(issue: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
    (local_date(deadline) - local_date(issue)).num_days()
}

/// A bidding period at the legal minimum or shorter: the deadline's date is on or before the
/// period's last day by the platform's convention (`ggzy_core::period::last_day`: counted from the
/// day after the issue, 民法典 201; a last day that is a day off moves to the next working day,
/// 民法典 203) — so a deadline on the Monday after a 20th day that is a Sunday is at the minimum.
pub fn short_bidding_period(
    rule: &RuleConfig,
    cal: &ggzy_core::calendar::BusinessCalendar,
    issue: DateTime<Utc>,
    deadline: DateTime<Utc>,
    event_id: &str,
) -> Option<Finding> {
    let days = bidding_days(issue, deadline);
    let limit = rule.param("min_days") + rule.param("margin_days");
    let last = ggzy_core::period::last_day(
        cal,
        local_date(issue),
        ggzy_core::period::Days::calendar(u32::try_from(limit.max(0)).unwrap_or(0)),
    )
    .value;
    if local_date(deadline) > last {
        return None;
    }
    Some(finding(
        rule,
        format!("deadline:{}", deadline.to_rfc3339()),
        json!({"docs_issue_at": issue.to_rfc3339(), "bid_deadline": deadline.to_rfc3339(),
               "days": days, "min_days": rule.param("min_days"), "event_ids": [event_id]}),
        format!(
            "投标期限仅{}日（法定最短{}日）",
            days,
            rule.param("min_days")
        ),
        format!(
            "Bidding period of {} days (legal minimum {} days)",
            days,
            rule.param("min_days")
        ),
    ))
}

pub fn deadline_moved_after_bids(
    rule: &RuleConfig,
    bids_received: i64,
    old_deadline: &str,
    new_deadline: &str,
    event_id: &str,
) -> Option<Finding> {
    if bids_received < rule.param("min_bids").max(1) {
        return None;
    }
    Some(finding(
        rule,
        format!("deadline:{new_deadline}"),
        json!({"bids_received": bids_received, "old_deadline": old_deadline,
               "new_deadline": new_deadline, "event_ids": [event_id]}),
        format!("已收到{bids_received}份投标文件后，截止时间由{old_deadline}改为{new_deadline}"),
        format!("Deadline moved from {old_deadline} to {new_deadline} after {bids_received} bid(s) arrived"),
    ))
}

/// Winner's price ≥ `ratio_bp`/10000 of the estimate (exact integer comparison).
pub fn price_near_estimate(
    rule: &RuleConfig,
    price_fen: i64,
    estimate_fen: i64,
    event_id: &str,
) -> Option<Finding> {
    if estimate_fen <= 0 {
        return None;
    }
    let bp = rule.param("ratio_bp");
    if (price_fen as i128) * 10_000 < (estimate_fen as i128) * (bp as i128) {
        return None;
    }
    let ratio_bp = (price_fen as i128) * 10_000 / (estimate_fen as i128);
    let pct = format!("{}.{:02}", ratio_bp / 100, ratio_bp % 100);
    Some(finding(
        rule,
        "award".into(),
        json!({"price": yuan(price_fen), "estimate": yuan(estimate_fen), "ratio_percent": pct,
               "threshold_percent": format!("{}.{:02}", bp / 100, bp % 100), "event_ids": [event_id]}),
        format!(
            "中标价{}元为估算价{}元的{}%",
            yuan(price_fen),
            yuan(estimate_fen),
            pct
        ),
        format!(
            "Winning price {} CNY is {}% of the estimate {} CNY",
            yuan(price_fen),
            pct,
            yuan(estimate_fen)
        ),
    ))
}

pub fn lowest_bid_not_winner(
    rule: &RuleConfig,
    entries: &[BidEntry],
    winner_org_id: &str,
    event_ids: &[&str],
) -> Option<Finding> {
    let lowest = entries.iter().filter_map(|e| e.price_fen).min()?;
    let winner_price = entries
        .iter()
        .find(|e| e.org_id == winner_org_id)
        .and_then(|e| e.price_fen);
    if winner_price == Some(lowest) {
        return None;
    }
    let low: Vec<&BidEntry> = entries
        .iter()
        .filter(|e| e.price_fen == Some(lowest))
        .collect();
    let disq = low.iter().all(|e| !e.valid);
    let names: Vec<&str> = low.iter().map(|e| e.org_name.as_str()).collect();
    Some(finding(
        rule,
        "award".into(),
        json!({"lowest_price": yuan(lowest), "lowest_org_ids": low.iter().map(|e| &e.org_id).collect::<Vec<_>>(),
               "lowest_disqualified": disq, "winner_org_id": winner_org_id,
               "winner_price": winner_price.map(yuan), "event_ids": event_ids}),
        format!(
            "最低报价{}元（{}）{}，未中标",
            yuan(lowest),
            names.join("、"),
            if disq { "被否决" } else { "有效" }
        ),
        format!(
            "The lowest bid, {} CNY ({}), {} and did not win",
            yuan(lowest),
            names.join(", "),
            if disq {
                "was disqualified"
            } else {
                "was valid"
            }
        ),
    ))
}

pub fn all_but_winner_disqualified(
    rule: &RuleConfig,
    entries: &[BidEntry],
    winner_org_id: &str,
    event_ids: &[&str],
) -> Option<Finding> {
    if (entries.len() as i64) < rule.param("min_bids").max(2) {
        return None;
    }
    let winner_valid = entries.iter().any(|e| e.org_id == winner_org_id && e.valid);
    let others_invalid = entries
        .iter()
        .filter(|e| e.org_id != winner_org_id)
        .all(|e| !e.valid);
    if !(winner_valid && others_invalid) {
        return None;
    }
    Some(finding(
        rule,
        "award".into(),
        json!({"bids": entries.len(), "winner_org_id": winner_org_id, "event_ids": event_ids}),
        format!("{}份投标中除中标人外全部被否决", entries.len()),
        format!(
            "All {} bids except the winner's were disqualified",
            entries.len() - 1
        ),
    ))
}

/// The same winner for one tenderer `count` times or more within `window_days`.
pub fn repeat_winner(
    rule: &RuleConfig,
    tenderer: &str,
    winner_org_id: &str,
    section_ids: &[String],
    event_ids: &[String],
) -> Option<Finding> {
    let n = section_ids.len() as i64;
    if n < rule.param("count").max(2) {
        return None;
    }
    let days = rule.param("window_days");
    Some(finding(
        rule,
        format!("winner:{winner_org_id}"),
        json!({"tenderer": tenderer, "winner_org_id": winner_org_id, "awards": n,
               "window_days": days, "section_ids": section_ids, "event_ids": event_ids}),
        format!("{days}日内招标人{tenderer}的{n}个标段由同一单位{winner_org_id}中标"),
        format!("{winner_org_id} won {n} sections of tenderer {tenderer} within {days} days"),
    ))
}
