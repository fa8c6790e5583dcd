//! Government procurement's own award path (政府采购, issue 20; docs/procurement.md).
//!
//! Procurement does not borrow construction's candidate publicity and objection (异议):
//!
//! 1. the committee's report (评审报告) arrives (`award::accept_result`, section `evaluating →
//!    publicizing`, which for procurement means "awaiting the purchaser's confirmation"; no
//!    candidate publicity is drafted) and must be sent to the purchaser within 2 working days
//!    (政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条) — durable timer
//!    [`REPORT_TIMER`], alert `projects.procurement.report_overdue`;
//! 2. the purchaser confirms the winner among the ranked candidates, in order, within 5 working
//!    days of receiving the report (同上). A confirmation after that is refused
//!    (`procurement.confirm_period_over`): when the period passes, the first candidate is deemed the
//!    winner (87号令 第六十八条: 视同按评标报告推荐的顺序确定排名第一的中标候选人为中标人) by the
//!    durable timer [`CONFIRM_TIMER`], through the same award use case as the purchaser's;
//! 3. the result announcement (中标/成交结果公告) with the award notice (中标通知书) within 2 working
//!    days of the confirmation (政采条例 第四十三条第二款), shown for at least 1 working day and
//!    listing the evaluation experts and the main items (87号令 第六十九条). Publishing drafts it from
//!    `projects.award.confirmed` and the experts area's `experts.committee.disclosed`; this area
//!    learns it was published from `publishing.announcement.published` ([`on_result_published`]);
//!    durable timer [`ANNOUNCE_TIMER`], alert `projects.procurement.result_announcement_overdue`;
//! 4. the contract (`award::record_contract`) is announced within 2 working days of signing
//!    (政采条例 第五十条) — recorded here ([`announce_contract`]), durable timer
//!    [`CONTRACT_ANNOUNCE_TIMER`], alert `projects.procurement.contract_announcement_overdue`;
//! 5. the contract is filed (备案, 政府采购法 第四十七条) — [`file_contract`].
//!
//! Every period is a row of `procurement_award_rules` (per region, national row `CN`) citing its
//! source, counted in working days with the platform calendar by the one counting convention
//! (`ggzy_core::period`: from the day after the event, ending 24:00 Beijing time of the last
//! working day). A last day in a year without a holiday schedule is reckoned with weekends only and
//! marked provisional, as the other award dates are (`*_provisional`).

use crate::award::{load_sec, require_owner, AwardInput, Candidate};
use crate::model::SectionState;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::calendar::{BusinessCalendar, Reckoned};
use ggzy_core::events::{ActorRef, NewEvent};
use ggzy_core::ident::Market;
use ggzy_core::period::{ends_at, Days};
use ggzy_core::time::{at_local, display_local, from_micros};
use ggzy_core::{Clock, Error, Result, Timestamp};
use ggzy_events::projects::{
    ProcurementContractAnnounced, ProcurementContractAnnouncementOverdue, ProcurementContractFiled,
    ProcurementDeemedAwardRefused, ProcurementOverdue, ProcurementReportOverdue,
    ProcurementReportReceived, ProcurementReportSent, ProcurementResultAnnounced,
    ProcurementResultAnnouncementOverdue, ProcurementWinnerConfirmed,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, expect_one, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod cases;
mod deadlines;
mod failure;
mod steps;

pub use cases::*;
pub use deadlines::*;
pub use failure::*;
pub(crate) use steps::*;

/// Timer: the report not sent to the purchaser by its due time.
pub const REPORT_TIMER: &str = "projects.procurement.report_due";
/// Timer: the purchaser's confirmation period ends; the first candidate is deemed the winner.
pub const CONFIRM_TIMER: &str = "projects.procurement.confirm_due";
/// Timer: the result announcement not published by its due time.
pub const ANNOUNCE_TIMER: &str = "projects.procurement.announce_due";
/// Timer: the contract announcement not recorded by its due time.
pub const CONTRACT_ANNOUNCE_TIMER: &str = "projects.procurement.contract_announce_due";

/// 政府采购法 第四十七条: the contract is filed with the finance department.
pub const FILING_SOURCE: &str = "政府采购法 第四十七条";

fn key(kind: &str, section_id: &str) -> String {
    format!("{kind}:{section_id}")
}

/// Region key of the national row.
const NATIONAL: &str = "CN";

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// The periods of procurement's award path, in working days, each with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcurementAwardRules {
    /// Report (评审报告) to the purchaser, from the end of the evaluation.
    pub report_send_days: u32,
    pub report_send_source: String,
    /// The purchaser's confirmation of the winner, from receiving the report.
    pub confirm_days: u32,
    pub confirm_source: String,
    /// Result announcement and award notice, from the confirmation.
    pub announce_days: u32,
    pub announce_source: String,
    /// Shortest time the result announcement is shown.
    pub show_days: u32,
    pub show_source: String,
    /// Contract announcement, from the signing.
    pub contract_announce_days: u32,
    pub contract_announce_source: String,
}

impl ProcurementAwardRules {
    /// The national values (same as the `CN` row of migration 0150).
    pub fn national() -> ProcurementAwardRules {
        ProcurementAwardRules {
            // 采购代理机构应当自评审结束之日起2个工作日内将评审报告送交采购人.
            report_send_days: 2,
            report_send_source: "政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条"
                .into(),
            // 采购人应当自收到评审报告之日起5个工作日内 … 按顺序确定中标或者成交供应商.
            confirm_days: 5,
            confirm_source: "政府采购法实施条例 第四十三条第一款; 财政部令第87号 第六十八条".into(),
            // 自中标、成交供应商确定之日起2个工作日内，发出中标、成交通知书，并 … 公告中标、成交结果.
            announce_days: 2,
            announce_source: "政府采购法实施条例 第四十三条第二款; 财政部令第87号 第六十九条"
                .into(),
            // 中标、成交结果公告期限为1个工作日.
            show_days: 1,
            show_source: "财政部令第87号 第六十九条".into(),
            // 采购人应当自政府采购合同签订之日起2个工作日内 … 公告.
            contract_announce_days: 2,
            contract_announce_source: "政府采购法实施条例 第五十条".into(),
        }
    }
}

/// End of a period of `days` working days that starts with an event at `start` (from the next
/// day; 24:00 Beijing time of the last working day), provisional for a year without a schedule.
pub fn working_end(cal: &BusinessCalendar, start: Timestamp, days: u32) -> Reckoned<Timestamp> {
    ends_at(cal, start, Days::working(days))
}

/// The rules of a region: its row, else the national row, else the compiled-in values.
pub async fn load_rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
) -> Result<ProcurementAwardRules> {
    let row = crate::store::procurement::rules(conn, region, NATIONAL).await?;
    let Some(r) = row else {
        return Ok(ProcurementAwardRules::national());
    };
    let n = |v: i64| {
        u32::try_from(v).map_err(|_| Error::internal("procurement_award_rules: negative value"))
    };
    Ok(ProcurementAwardRules {
        report_send_days: n(r.report_send_days)?,
        report_send_source: r.report_send_source,
        confirm_days: n(r.confirm_days)?,
        confirm_source: r.confirm_source,
        announce_days: n(r.announce_days)?,
        announce_source: r.announce_source,
        show_days: n(r.show_days)?,
        show_source: r.show_source,
        contract_announce_days: n(r.contract_announce_days)?,
        contract_announce_source: r.contract_announce_source,
    })
}

async fn due(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    start: Timestamp,
    days: u32,
    what: &str,
) -> Result<Reckoned<Timestamp>> {
    let d = working_end(db.calendar(), start, days);
    if d.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &d.missing, what).await?;
    }
    Ok(d)
}

async fn region_of(tx: &mut Tx, section_id: &str) -> Result<(String, String)> {
    let r = crate::store::procurement::region_of(tx, section_id).await?;
    Ok((r.region, r.id))
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub mod http;
#[cfg(test)]
mod tests {
    use super::*;
    use ggzy_core::time::at_local;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn working_day_periods_skip_qingming_and_end_at_midnight() {
        let cal = BusinessCalendar::official();
        // Report received Friday 2026-04-03 10:00; 04-04..06 is 清明: 2 working days end with
        // Wednesday 04-08, 5 with Monday 04-13 (24:00 Beijing).
        let start = at_local(d(2026, 4, 3), 10, 0, 0);
        let two = working_end(&cal, start, 2);
        assert!(!two.provisional());
        assert_eq!(two.value, at_local(d(2026, 4, 9), 0, 0, 0));
        assert_eq!(
            working_end(&cal, start, 5).value,
            at_local(d(2026, 4, 14), 0, 0, 0)
        );
    }

    #[test]
    fn three_qualified_suppliers_go_on_two_fail() {
        assert!(enough_qualified(3));
        assert!(!enough_qualified(2));
        assert!(MIN_QUALIFIED_SOURCE.contains("第三十六条"));
    }

    #[test]
    fn national_rules_cite_their_sources() {
        let r = ProcurementAwardRules::national();
        assert_eq!(
            (
                r.report_send_days,
                r.confirm_days,
                r.announce_days,
                r.show_days,
                r.contract_announce_days
            ),
            (2, 5, 2, 1, 2)
        );
        assert!(r.confirm_source.contains("第四十三条"));
        assert!(r.show_source.contains("第六十九条"));
        assert!(r.contract_announce_source.contains("第五十条"));
    }
}
