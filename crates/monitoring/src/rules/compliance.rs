//! Compliance rules: deadlines and publicity periods the law sets.

use super::*;

/// Candidate publicity (公示) shorter than `min_days` whole days (24 h each) from start to end.
pub fn short_publicity(
    rule: &RuleConfig,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    event_id: &str,
) -> Option<Finding> {
    let min = rule.param("min_days");
    if ends - starts >= chrono::Duration::days(min) {
        return None;
    }
    let hours = (ends - starts).num_hours();
    Some(finding(
        rule,
        "publicity".into(),
        json!({"publicity_starts_at": starts.to_rfc3339(), "publicity_ends_at": ends.to_rfc3339(),
               "hours": hours, "min_days": min, "event_ids": [event_id]}),
        format!("中标候选人公示期仅{hours}小时，少于{min}日"),
        format!("Candidate publicity lasts {hours} hours, less than {min} days"),
    ))
}

/// A compliance event is a finding by itself; the sentence names what was overdue or violated.
pub fn compliance(rule: &RuleConfig, key: String, detail: &str, evidence: Value) -> Finding {
    finding(
        rule,
        key,
        evidence,
        format!("{}：{}", rule.title_zh, detail),
        format!("{}: {}", rule.title_en, detail),
    )
}
