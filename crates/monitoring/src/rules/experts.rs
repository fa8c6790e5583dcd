//! Expert rules: repeat draws for one tenderer, score outliers, low ratings.

use super::*;

/// The same expert on `count` or more committees of one tenderer within `window_days`.
pub fn repeat_expert(
    rule: &RuleConfig,
    tenderer: &str,
    expert_id: &str,
    expert_name: &str,
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
        format!("expert:{expert_id}"),
        json!({"tenderer": tenderer, "expert_id": expert_id, "expert_name": expert_name, "draws": n,
               "window_days": days, "section_ids": section_ids, "event_ids": event_ids}),
        format!("{days}日内专家{expert_name}被抽中参加招标人{tenderer}的{n}个标段评标"),
        format!("Expert {expert_name} was drawn for {n} sections of tenderer {tenderer} within {days} days"),
    ))
}

/// A member whose total deviates from the committee mean (as the evaluation area measured it).
pub fn score_outlier(
    rule: &RuleConfig,
    expert_id: &str,
    org_id: &str,
    member_total: &str,
    committee_mean: &str,
    event_id: &str,
) -> Finding {
    finding(
        rule,
        format!("outlier:{expert_id}:{org_id}"),
        json!({"expert_id": expert_id, "org_id": org_id, "member_total": member_total,
               "committee_mean": committee_mean, "event_ids": [event_id]}),
        format!("专家{expert_id}对投标人{org_id}的评分{member_total}偏离委员会均值{committee_mean}"),
        format!("Expert {expert_id} scored bidder {org_id} {member_total} against a committee mean of {committee_mean}"),
    )
}

/// Whether a rating counts as low under `rule` (score ≤ `max_score`).
pub fn is_low_rating(rule: &RuleConfig, score: i64) -> bool {
    score <= rule.param("max_score")
}

/// `count` or more low ratings of one expert within `window_days`.
pub fn low_ratings(rule: &RuleConfig, expert_id: &str, event_ids: &[String]) -> Option<Finding> {
    let n = event_ids.len() as i64;
    if n < rule.param("count").max(1) {
        return None;
    }
    let days = rule.param("window_days");
    let max = rule.param("max_score");
    Some(finding(
        rule,
        format!("expert:{expert_id}"),
        json!({"expert_id": expert_id, "low_ratings": n, "max_score": max, "window_days": days,
               "event_ids": event_ids}),
        format!("专家{expert_id}在{days}日内{n}次被评为{max}分及以下"),
        format!("Expert {expert_id} was rated {max} or lower {n} times within {days} days"),
    ))
}
