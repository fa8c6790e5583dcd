//! The deadline to publish a mining-right deal's result (结果公示), kept by monitoring
//! (`mining.result_publication_overdue`).
//!
//! **Rule.** 矿业权出让交易规则 (自然资源部 自然资规〔2023〕1号), as the provincial online trading rules
//! apply it (Sichuan): the transfer result is published within **5 working days** of the deal
//! (成交). The article was not verified against the official text — secondary, the same state as
//! every mining row of docs/procedures.md. The value is the rule's parameter `working_days`
//! (default [`MINING_RESULT_PUBLISH_WORKING_DAYS`]).
//!
//! **Counting** (the platform's one convention, `ggzy_core::period`; 民法典 第二百零一条: the day of
//! the event does not count, the period starts the next day; 第二百零三条: the last day ends at
//! 24:00): the deal day does not count; the last day is the 5th working day after it on the
//! business calendar (official holidays are days off, 调休 make-up Saturdays and Sundays are
//! working days); the deadline is 24:00 Beijing time of that day — the instant 00:00 of the next
//! day. A publication at 23:59:59 of the 5th working day is in time; one at or after the deadline
//! is late.
//!
//! Which procedures: every procedure of the land market named `mining_*` (`mining_listing`,
//! `mining_auction`, `mining_tender`, any later one) — a prefix, not a closed list. Which
//! announcements publish the result: type `deal` (成交公告 of a listing or an auction) or `award`
//! (中标/成交结果公告 of a tender) naming the section.

use super::*;
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::period::{self, Days};

/// The default of the rule's `working_days` (矿业权出让交易规则, secondary).
pub const MINING_RESULT_PUBLISH_WORKING_DAYS: i64 = 5;

/// A mining-right procedure of the land market: any procedure named `mining_*`.
pub fn is_mining(procedure: &str) -> bool {
    procedure.starts_with("mining_")
}

/// An announcement type that publishes a section's deal result: `deal` (listing, auction) or
/// `award` (tender).
pub fn publishes_result(kind: &str) -> bool {
    matches!(kind, "deal" | "award")
}

/// The working days the rule gives (its parameter, at least 1).
pub fn working_days(rule: &RuleConfig) -> u32 {
    u32::try_from(rule.param("working_days").max(1)).unwrap_or(u32::MAX)
}

/// The deadline for a deal at `deal_at`: 24:00 Beijing of the rule's `working_days`-th working
/// day after the deal day (provisional when a year without a holiday schedule was counted).
pub fn publication_due(
    rule: &RuleConfig,
    cal: &BusinessCalendar,
    deal_at: DateTime<Utc>,
) -> Reckoned<DateTime<Utc>> {
    period::ends_at(cal, deal_at, Days::working(working_days(rule)))
}

/// Published in time: strictly before the deadline (24:00 of the last day is already late).
pub fn in_time(due_at: DateTime<Utc>, published_at: DateTime<Utc>) -> bool {
    published_at < due_at
}

/// One mining section's deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline<'a> {
    pub section_id: &'a str,
    pub procedure: &'a str,
    /// The deal's id, or the award event's id of a tender.
    pub deal_ref: &'a str,
    pub deal_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub working_days: i64,
}

/// The alert when the deadline has passed (`now ≥ due_at`) without a publication in time; `None`
/// while it has not passed or when the result was published before it.
pub fn publication_overdue(
    rule: &RuleConfig,
    d: &Deadline<'_>,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    event_ids: &[&str],
) -> Option<Finding> {
    if now < d.due_at || published_at.is_some_and(|p| in_time(d.due_at, p)) {
        return None;
    }
    let deal_day = local_date(d.deal_at);
    let last_day = period::day_of_end(d.due_at);
    let n = d.working_days;
    Some(finding(
        rule,
        format!("deal:{}", d.deal_ref),
        json!({"section_id": d.section_id, "procedure": d.procedure, "deal_ref": d.deal_ref,
               "deal_at": d.deal_at.to_rfc3339(), "due_at": d.due_at.to_rfc3339(),
               "last_day": last_day.to_string(), "working_days": n,
               "source": rule.source, "event_ids": event_ids}),
        format!(
            "矿业权出让于{deal_day}成交，出让结果应于{n}个工作日内（{last_day} 24:00 前）公示，逾期未公示"
        ),
        format!(
            "Mining-right deal of {deal_day}: its result was due to be published within {n} working days (by 24:00 of {last_day}) and was not"
        ),
    ))
}

/// How late a publication came after its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lateness {
    /// From the deadline (24:00 of the last day) to the publication.
    pub seconds: i64,
    /// Working days after the last day up to the publication's day, that day included (0: it was
    /// published on a day off right after the last day).
    pub working_days: u32,
}

/// How late `published_at` is for `due_at`; `None` when it was in time.
pub fn lateness(
    cal: &BusinessCalendar,
    due_at: DateTime<Utc>,
    published_at: DateTime<Utc>,
) -> Option<Reckoned<Lateness>> {
    if in_time(due_at, published_at) {
        return None;
    }
    let seconds = (published_at - due_at).num_seconds();
    let days =
        cal.working_days_between_reckoned(period::day_of_end(due_at), local_date(published_at));
    Some(days.map(|working_days| Lateness {
        seconds,
        working_days,
    }))
}

/// The system's note when the result announcement is finally seen published.
pub fn resolution_note(
    due_at: DateTime<Utc>,
    published_at: DateTime<Utc>,
    late: Option<Lateness>,
) -> String {
    let last_day = period::day_of_end(due_at);
    let at = ggzy_core::time::display_local(published_at);
    match late {
        None => format!(
            "出让结果已于{at}公示，未逾期（期限 {last_day} 24:00） / the result was published at {at}, before the deadline (24:00 of {last_day})"
        ),
        Some(l) => {
            let (d, h, m) = (l.seconds / 86_400, l.seconds % 86_400 / 3600, l.seconds % 3600 / 60);
            format!(
                "出让结果于{at}公示，逾期{d}天{h}小时{m}分（{w}个工作日；期限 {last_day} 24:00） / the result was published at {at}, {d} d {h} h {m} min after the deadline (24:00 of {last_day}), {w} working day(s) late",
                w = l.working_days
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn rule() -> RuleConfig {
        Catalogue::national()
            .get(MINING_RESULT_PUBLICATION_OVERDUE)
            .cloned()
            .expect("rule")
    }

    /// An instant given in Beijing time.
    fn bj(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
            .expect("time")
            .with_timezone(&Utc)
    }

    fn deadline(deal_at: DateTime<Utc>, due_at: DateTime<Utc>) -> Deadline<'static> {
        Deadline {
            section_id: "s1",
            procedure: "mining_listing",
            deal_ref: "d1",
            deal_at,
            due_at,
            working_days: 5,
        }
    }

    #[test]
    fn the_rule_is_five_working_days_from_the_mining_rules_and_the_procedures_are_a_prefix() {
        let r = rule();
        assert_eq!(r.param("working_days"), 5);
        assert!(r.source.contains("自然资规〔2023〕1号") && r.source.contains("secondary"));
        for p in [
            "mining_listing",
            "mining_auction",
            "mining_tender",
            "mining_anything",
        ] {
            assert!(is_mining(p), "{p}");
        }
        for p in ["listing", "land_auction", "open_tender", "mining"] {
            assert!(!is_mining(p), "{p}");
        }
        assert!(publishes_result("deal") && publishes_result("award"));
        assert!(!publishes_result("land_transfer") && !publishes_result("failure"));
    }

    /// Deal Thursday 2026-04-02: the deal day does not count; 04-03 (1), 清明 Saturday 04-04 to
    /// Monday 04-06 off, 04-07 (2), 04-08 (3), 04-09 (4), Friday 04-10 (5): the deadline is 24:00
    /// of 04-10. Published at 23:59:59 of it: no alert; not published when it passes: alert.
    #[test]
    fn published_at_23_59_59_of_the_5th_working_day_across_qingming_is_in_time_and_24_00_is_late() {
        let cal = BusinessCalendar::official();
        let r = rule();
        let deal = bj("2026-04-02T10:00:00");
        let due = publication_due(&r, &cal, deal);
        assert!(!due.provisional());
        assert_eq!(due.value, bj("2026-04-11T00:00:00"));
        let d = deadline(deal, due.value);
        let last_second = bj("2026-04-10T23:59:59");
        // Published in the last second: nothing, even long after the deadline.
        assert!(in_time(due.value, last_second));
        assert!(publication_overdue(&r, &d, Some(last_second), due.value, &["e1"]).is_none());
        assert!(
            publication_overdue(&r, &d, Some(last_second), bj("2026-06-01T00:00:00"), &[])
                .is_none()
        );
        assert!(lateness(&cal, due.value, last_second).is_none());
        // Not published: nothing before the deadline, the alert once it passes.
        assert!(publication_overdue(&r, &d, None, last_second, &[]).is_none());
        let f = publication_overdue(&r, &d, None, due.value, &["e1"]).expect("overdue");
        assert_eq!(f.rule_id, MINING_RESULT_PUBLICATION_OVERDUE);
        assert_eq!(f.signal_key, "deal:d1");
        assert_eq!(f.evidence["last_day"], "2026-04-10");
        assert_eq!(f.evidence["due_at"], due.value.to_rfc3339());
        assert_eq!(f.evidence["event_ids"], json!(["e1"]));
        assert!(f.message_zh.contains("2026-04-10 24:00") && f.message_en.contains("5 working"));
        // Published exactly at 24:00 (00:00 of Saturday 04-11): late, on a day off.
        assert!(!in_time(due.value, due.value));
        assert!(publication_overdue(&r, &d, Some(due.value), due.value, &[]).is_some());
        let l = lateness(&cal, due.value, due.value).expect("late").value;
        assert_eq!((l.seconds, l.working_days), (0, 0));
        // Published Monday 04-13 10:00: 2 days 10 hours late, 1 working day.
        let l = lateness(&cal, due.value, bj("2026-04-13T10:00:00"))
            .expect("late")
            .value;
        assert_eq!((l.seconds, l.working_days), (2 * 86_400 + 10 * 3600, 1));
        let note = resolution_note(due.value, bj("2026-04-13T10:00:00"), Some(l));
        assert!(
            note.contains("逾期2天10小时0分") && note.contains("1 working day"),
            "{note}"
        );
    }

    /// 劳动节 (05-01 to 05-05) and the make-up working Saturday 05-09: a deal Tuesday 04-28 is due
    /// by 24:00 of Friday 05-08 (04-29, 04-30, 05-06, 05-07, 05-08); a deal Wednesday 05-06 by
    /// 24:00 of Tuesday 05-12, the Saturday counting (05-07, 05-08, 05-09, 05-11, 05-12).
    #[test]
    fn labour_day_is_skipped_and_its_make_up_saturday_counts() {
        let cal = BusinessCalendar::official();
        let r = rule();
        let due = publication_due(&r, &cal, bj("2026-04-28T09:00:01")).value;
        assert_eq!(due, bj("2026-05-09T00:00:00"));
        let due = publication_due(&r, &cal, bj("2026-05-06T23:59:59")).value;
        assert_eq!(due, bj("2026-05-13T00:00:00"));
        // Published Monday 05-11 at 10:00 for the first deal: the make-up Saturday and Monday.
        let l = lateness(&cal, bj("2026-05-09T00:00:00"), bj("2026-05-11T10:00:00"))
            .expect("late")
            .value;
        assert_eq!(l.working_days, 2);
    }

    #[test]
    fn a_supervisor_may_set_the_working_days_within_bounds() {
        let mut c = Catalogue::national();
        let o = |n| RuleOverride {
            params: [("working_days".to_string(), n)].into_iter().collect(),
            ..Default::default()
        };
        assert_eq!(
            c.apply(MINING_RESULT_PUBLICATION_OVERDUE, &o(0))
                .err()
                .map(|e| e.1),
            Some("monitoring.param_out_of_bounds")
        );
        assert!(c.apply(MINING_RESULT_PUBLICATION_OVERDUE, &o(3)).is_ok());
        let r = c.get(MINING_RESULT_PUBLICATION_OVERDUE).expect("rule");
        let cal = BusinessCalendar::official();
        // Three working days from Thursday 04-02: 04-03, 04-07, 04-08.
        assert_eq!(
            publication_due(r, &cal, bj("2026-04-02T10:00:00")).value,
            bj("2026-04-09T00:00:00")
        );
    }

    proptest! {
        /// For any deal in 2026 and any publication time: the deadline is 00:00 Beijing after a
        /// working day that is exactly the 5th working day after the deal day; the alert is raised
        /// exactly when the deadline has passed and the publication came at or after it.
        #[test]
        fn the_alert_is_exactly_a_missed_deadline(
            deal_secs in 0i64..(340 * 86_400),
            pub_offset in -(20 * 86_400i64)..(40 * 86_400),
            now_offset in -(5 * 86_400i64)..(5 * 86_400),
            published in any::<bool>(),
        ) {
            let cal = BusinessCalendar::official();
            let r = rule();
            let deal = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("t")
                + Duration::seconds(deal_secs);
            let due = publication_due(&r, &cal, deal).value;
            let last = period::day_of_end(due);
            prop_assert_eq!(due, ggzy_core::time::at_local(local_date(due), 0, 0, 0));
            prop_assert!(cal.is_working_day(last).expect("2026"));
            prop_assert_eq!(cal.working_days_between(local_date(deal), last).expect("2026"), 5);
            let p = published.then(|| due + Duration::seconds(pub_offset));
            let now = due + Duration::seconds(now_offset);
            let alert = publication_overdue(&r, &deadline(deal, due), p, now, &[]).is_some();
            let missed = now >= due && p.is_none_or(|p| p >= due);
            prop_assert_eq!(alert, missed);
        }
    }
}
