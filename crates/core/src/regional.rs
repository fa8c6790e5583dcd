//! Regional overrides of legal values (地方规则): the one mechanism the areas share.
//!
//! A rules table holds one national row per key, each value with its citation (law + article). The
//! administrator may set a value for the platform's region (`Settings::region`), citing the
//! regional document; a region may be stricter than the law, never laxer: a legal **minimum** (a
//! period) may only be lengthened, a legal **maximum** (a cap, a time limit to act) only lowered.
//!
//! What is shared lives here, pure: which way a value may move ([`Bound`]), the check of one value
//! against its national value ([`check_value`]), the checks of an override's input
//! ([`check_override`], [`check_reason`]). Each area keeps
//! its own overrides table, its fields, bounds and sanity ranges, how it reads its national row and
//! how the override is applied (`ggzy_projects::regional`: rebuilt regional rows;
//! `ggzy_remedies::regional`: applied when a rule is read). No area reads another's table.

use crate::error::{Error, Result, Violations};
use crate::Timestamp;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Which way a region may move a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// A legal minimum (a period): the region may lengthen it, never shorten it.
    AtLeast,
    /// A legal maximum (a cap, a time limit to act): the region may lower it, never raise it.
    AtMost,
}

/// One overridable value of a rules table, as the area declares it: its column, which way a
/// region may move it, its sanity range (not law) and its labels (the English one is named in
/// refusals).
#[derive(Debug, Clone, Copy)]
pub struct Overridable<'a> {
    pub field: &'a str,
    pub bound: Bound,
    /// Lowest and highest value accepted at all.
    pub range: (i64, i64),
    pub zh: &'a str,
    pub en: &'a str,
}

/// A region's override of one value as its area stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub value: i64,
    /// The regional document.
    pub citation: String,
    pub set_at: Timestamp,
}

/// One overridable value as the platform's region sees it: the national value and its citation,
/// the region's override, the value in effect. Each area's entry carries it (flattened) beside
/// the key of its row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionalValue {
    pub field: String,
    pub label_zh: String,
    pub label_en: String,
    pub bound: Bound,
    pub national_value: i64,
    /// The law and article of the national value.
    pub national_source: String,
    pub override_value: Option<i64>,
    /// The regional document of the override.
    pub override_citation: Option<String>,
    pub override_set_at: Option<DateTime<Utc>>,
    /// What the use cases apply in this region.
    pub effective_value: i64,
}

impl RegionalValue {
    pub fn new(
        f: Overridable<'_>,
        national_value: i64,
        national_source: String,
        over: Option<Override>,
    ) -> Self {
        RegionalValue {
            field: f.field.to_string(),
            label_zh: f.zh.to_string(),
            label_en: f.en.to_string(),
            bound: f.bound,
            national_value,
            national_source,
            effective_value: over.as_ref().map_or(national_value, |o| o.value),
            override_value: over.as_ref().map(|o| o.value),
            override_citation: over.as_ref().map(|o| o.citation.clone()),
            override_set_at: over.map(|o| o.set_at),
        }
    }
}

/// Is `value` allowed for a region, given the national `legal` value and its citation? Pure.
/// Refusals name the field `value` and the rule (`rules.override_range`,
/// `rules.override_below_legal_minimum`, `rules.override_above_legal_maximum`).
pub fn check_value(f: Overridable<'_>, legal: i64, value: i64, legal_source: &str) -> Result<()> {
    if value < f.range.0 || value > f.range.1 {
        return Err(Error::field(
            "value",
            "rules.override_range",
            format!("{} must be from {} to {}", f.en, f.range.0, f.range.1),
        ));
    }
    match f.bound {
        Bound::AtLeast if value < legal => Err(Error::field(
            "value",
            "rules.override_below_legal_minimum",
            format!(
                "{} is a legal minimum of {legal} ({legal_source}); a region may lengthen it, never \
                 shorten it ({value} asked)",
                f.en
            ),
        )),
        Bound::AtMost if value > legal => Err(Error::field(
            "value",
            "rules.override_above_legal_maximum",
            format!(
                "{} is a legal maximum of {legal} ({legal_source}); a region may lower it, never \
                 raise it ({value} asked)",
                f.en
            ),
        )),
        _ => Ok(()),
    }
}

/// The longest regional citation (characters).
pub const MAX_CITATION: usize = 500;
/// The longest reason for going back to the national value (characters).
pub const MAX_REASON: usize = 2000;

/// The checks of a new override, all reported at once: the value ([`check_value`]) and the
/// regional document that sets it (`citation`, required). Answers the trimmed citation.
pub fn check_override(
    f: Overridable<'_>,
    legal: i64,
    value: i64,
    legal_source: &str,
    citation: &str,
) -> Result<String> {
    let citation = citation.trim();
    let mut v = Violations::new();
    if let Err(Error::Validation(errs)) = check_value(f, legal, value, legal_source) {
        for e in errs {
            v.push(e.field, e.rule, e.message);
        }
    }
    if citation.is_empty() || citation.chars().count() > MAX_CITATION {
        v.push(
            "citation",
            "required",
            "the regional document that sets the value is required (at most 500 characters)",
        );
    }
    v.into_result()?;
    Ok(citation.to_string())
}

/// The reason for removing an override (required). Answers it trimmed.
pub fn check_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(Error::field(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        ));
    }
    Ok(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Overridable<'static> = Overridable {
        field: "publicity_min_days",
        bound: Bound::AtLeast,
        range: (1, 60),
        zh: "公示最短期限（日）",
        en: "minimum publicity (days)",
    };
    const CAP: Overridable<'static> = Overridable {
        field: "contract_days",
        bound: Bound::AtMost,
        range: (1, 365),
        zh: "签订合同期限（日）",
        en: "time to sign (days)",
    };

    fn rule(r: Result<impl std::fmt::Debug>) -> Vec<String> {
        match r {
            Ok(_) => vec![],
            Err(e) => e.to_problem().errors.into_iter().map(|e| e.rule).collect(),
        }
    }

    #[test]
    fn a_minimum_is_only_lengthened_and_a_maximum_only_lowered_within_the_range() {
        assert!(check_value(PERIOD, 3, 3, "实施条例 54").is_ok());
        assert_eq!(
            rule(check_value(PERIOD, 3, 2, "实施条例 54")),
            ["rules.override_below_legal_minimum"]
        );
        assert!(check_value(CAP, 30, 30, "招标投标法 46").is_ok());
        assert_eq!(
            rule(check_value(CAP, 30, 31, "招标投标法 46")),
            ["rules.override_above_legal_maximum"]
        );
        assert!(check_value(PERIOD, 3, 60, "x").is_ok());
        assert_eq!(
            rule(check_value(PERIOD, 3, 61, "x")),
            ["rules.override_range"]
        );
        assert_eq!(rule(check_value(CAP, 30, 0, "x")), ["rules.override_range"]);
    }

    #[test]
    fn an_override_needs_a_citation_and_a_removal_a_reason() {
        assert_eq!(
            check_override(PERIOD, 3, 5, "x", "  某市文件 第3条 ").unwrap(),
            "某市文件 第3条"
        );
        assert_eq!(
            rule(check_override(PERIOD, 3, 2, "x", " ")),
            ["rules.override_below_legal_minimum", "required"]
        );
        assert!(check_override(PERIOD, 3, 5, "x", &"文".repeat(MAX_CITATION)).is_ok());
        assert_eq!(
            rule(check_override(
                PERIOD,
                3,
                5,
                "x",
                &"文".repeat(MAX_CITATION + 1)
            )),
            ["required"]
        );
        assert_eq!(check_reason(" back ").unwrap(), "back");
        assert_eq!(rule(check_reason("")), ["required"]);
        assert!(check_reason(&"r".repeat(MAX_REASON)).is_ok());
        assert_eq!(
            rule(check_reason(&"r".repeat(MAX_REASON + 1))),
            ["required"]
        );
    }

    #[test]
    fn the_value_in_effect_is_the_override_else_the_national_one() {
        let national = RegionalValue::new(CAP, 30, "招标投标法 46".into(), None);
        assert_eq!(
            (national.effective_value, national.override_value),
            (30, None)
        );
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 8, 0, 0).unwrap();
        let over = Override {
            value: 20,
            citation: "某市文件".into(),
            set_at: at,
        };
        let v = RegionalValue::new(CAP, 30, "招标投标法 46".into(), Some(over));
        assert_eq!((v.effective_value, v.national_value), (20, 30));
        assert_eq!(v.override_citation.as_deref(), Some("某市文件"));
        assert_eq!((v.override_set_at, v.bound), (Some(at), Bound::AtMost));
        assert_eq!(
            (v.field.as_str(), v.label_zh.as_str()),
            ("contract_days", "签订合同期限（日）")
        );
    }
}
