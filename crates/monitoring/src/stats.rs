//! Statistics behind the dashboard charts, the dashboard summary and the daily report — all from
//! the monitoring area's own projection tables.

use crate::alerts::{self, Alert, AlertFilter};
use crate::store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::money::Money;
use ggzy_core::time::{at_local, display_local, local_date};
use ggzy_core::{Error, Result};
use ggzy_identity::Actor;
use ggzy_store::{Ctx, Db};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketMonth {
    pub market: String,
    /// `YYYY-MM` of the award (Asia/Shanghai).
    pub month: String,
    /// Sections awarded.
    pub awards: i64,
    /// Sum of award prices, CNY.
    pub value: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionBidders {
    pub section_id: String,
    pub name: Option<String>,
    /// Distinct organizations that registered or bid.
    pub bidders: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionSavings {
    pub section_id: String,
    pub name: Option<String>,
    pub estimate: String,
    pub award: String,
    /// 1 − award/estimate, four decimal places.
    pub savings_rate: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    pub by_market_month: Vec<MarketMonth>,
    pub bidders_per_section: Vec<SectionBidders>,
    /// Mean bidders per section with at least one bidder, two decimal places.
    pub average_bidders: String,
    pub savings: Vec<SectionSavings>,
    /// 1 − Σaward/Σestimate over sections with both, four decimal places.
    pub overall_savings_rate: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct StatsParams {
    /// Awards from this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Awards before this instant.
    pub to: Option<DateTime<Utc>>,
}

fn rate(award: i64, estimate: i64) -> Option<Decimal> {
    if estimate <= 0 {
        return None;
    }
    let mut r = (Decimal::ONE - Decimal::from(award) / Decimal::from(estimate))
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(4);
    Some(r)
}

pub async fn stats(db: &Db, p: &StatsParams) -> Result<Stats> {
    let rows = store::sections::for_stats(db).await?;
    let mut by: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut savings = Vec::new();
    let (mut sum_award, mut sum_est) = (0i64, 0i64);
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    for r in rows {
        let id = r.section_id;
        let name = r.section_name;
        names.insert(id.clone(), name.clone());
        let (Some(award), Some(at)) = (r.award_fen, r.awarded_at) else {
            continue;
        };
        if p.from.is_some_and(|f| at < f) || p.to.is_some_and(|t| at >= t) {
            continue;
        }
        let market = r.market;
        let month = local_date(at).format("%Y-%m").to_string();
        let e = by
            .entry((market.unwrap_or_else(|| "unknown".into()), month))
            .or_default();
        e.0 += 1;
        e.1 = e.1.saturating_add(award);
        if let Some(est) = r.estimate_fen {
            if let Some(rt) = rate(award, est) {
                sum_award = sum_award.saturating_add(award);
                sum_est = sum_est.saturating_add(est);
                savings.push(SectionSavings {
                    section_id: id.clone(),
                    name,
                    estimate: Money::from_fen(est).to_string(),
                    award: Money::from_fen(award).to_string(),
                    savings_rate: rt.to_string(),
                });
            }
        }
    }
    let traces = store::traces::bidders(db).await?;
    let mut bidders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in traces {
        bidders.entry(r.section_id).or_default().insert(r.org_id);
    }
    let bidders_per_section: Vec<SectionBidders> = bidders
        .into_iter()
        .map(|(s, o)| SectionBidders {
            name: names.get(&s).cloned().flatten(),
            section_id: s,
            bidders: o.len() as i64,
        })
        .collect();
    let total: i64 = bidders_per_section.iter().map(|b| b.bidders).sum();
    let average = if bidders_per_section.is_empty() {
        Decimal::ZERO
    } else {
        (Decimal::from(total) / Decimal::from(bidders_per_section.len() as i64))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    Ok(Stats {
        by_market_month: by
            .into_iter()
            .map(|((market, month), (n, v))| MarketMonth {
                market,
                month,
                awards: n,
                value: Money::from_fen(v).to_string(),
            })
            .collect(),
        bidders_per_section,
        average_bidders: format!("{average:.2}"),
        savings,
        overall_savings_rate: rate(sum_award, sum_est).map(|r| r.to_string()),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardItem {
    pub section_id: Option<String>,
    pub name: Option<String>,
    pub project_code: Option<String>,
    pub at: DateTime<Utc>,
    pub room_name: Option<String>,
    /// `opening` or `evaluation` (or the venue's session kind).
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeverityCounts {
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// Today in Asia/Shanghai.
    pub today: NaiveDate,
    pub openings: Vec<BoardItem>,
    pub evaluations: Vec<BoardItem>,
    /// Sessions taking place now (room occupancy).
    pub rooms_in_use: Vec<BoardItem>,
    pub open_alerts: SeverityCounts,
    pub latest_alerts: Vec<Alert>,
    /// Deposits received and not yet refunded or forfeited, CNY.
    pub deposits_held: String,
    /// Sequence of the last sealed event: the live stream continues after it.
    pub last_seq: i64,
}

pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = at_local(day, 0, 0, 0);
    (start, start + Duration::days(1))
}

pub async fn dashboard(ctx: &Ctx, actor: &Actor) -> Result<Dashboard> {
    let now = ctx.clock.now();
    let today = local_date(now);
    let (from, to) = day_bounds(today);
    let db = &ctx.db;
    let mut openings = Vec::new();
    let rows = store::sections::openings_between(db, from, to).await?;
    for r in rows {
        openings.push(BoardItem {
            section_id: r.section_id,
            name: r.section_name,
            project_code: r.project_code,
            at: r.opening_at,
            room_name: None,
            kind: "opening".into(),
        });
    }
    let sessions = store::sections::sessions_between(db, from, to).await?;
    let mut evaluations = Vec::new();
    let mut rooms_in_use = Vec::new();
    for r in sessions {
        let item = BoardItem {
            section_id: r.section_id,
            name: r.section_name,
            project_code: r.project_code,
            at: r.starts_at,
            room_name: r.room_name,
            kind: r.kind,
        };
        let ends = r.ends_at;
        if item.at <= now && now < ends {
            rooms_in_use.push(item.clone());
        }
        if item.kind.contains("evaluation") {
            evaluations.push(item);
        } else if item.kind.contains("opening") {
            // An opening session of a section already listed adds its room.
            match openings
                .iter_mut()
                .find(|o| o.section_id == item.section_id)
            {
                Some(o) => o.room_name = item.room_name.clone(),
                None => openings.push(item),
            }
        }
    }
    let counts = store::alerts::open_by_severity(db).await?;
    let mut open = SeverityCounts {
        high: 0,
        medium: 0,
        low: 0,
    };
    for r in &counts {
        let n = r.n;
        match r.severity.as_str() {
            "high" => open.high = n,
            "medium" => open.medium = n,
            _ => open.low += n,
        }
    }
    let deposits = store::traces::deposits(db).await?;
    let mut held = 0i64;
    for r in &deposits {
        let (rcv, rel) = (r.received_fen, r.released_fen);
        held = held.saturating_add((rcv - rel).max(0));
    }
    let latest_alerts = alerts::list(
        ctx,
        actor,
        &AlertFilter {
            status: Some("open".into()),
            limit: Some(20),
            ..Default::default()
        },
    )
    .await?;
    let last_seq = store::reports::last_seq(db).await?.unwrap_or(0);
    Ok(Dashboard {
        today,
        openings,
        evaluations,
        rooms_in_use,
        open_alerts: open,
        latest_alerts,
        deposits_held: Money::from_fen(held).to_string(),
        last_seq,
    })
}

// ------------------------------------------------------------------ daily report

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportInfo {
    /// The Asia/Shanghai day reported, `YYYY-MM-DD`.
    pub day: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// One line of the report: section, key, value.
pub type Line = (String, String, String);

async fn report_lines(db: &Db, day: NaiveDate) -> Result<Vec<Line>> {
    let (from, to) = day_bounds(day);
    let mut lines: Vec<Line> = Vec::new();
    let rows = store::reports::events_by_type(db, from, to).await?;
    for r in rows {
        lines.push(("events".into(), r.label, r.n.to_string()));
    }
    let rows = store::alerts::raised_between(db, from, to).await?;
    for r in rows {
        let (rule, sev) = (r.rule_id, r.severity);
        lines.push((
            "alerts_raised".into(),
            format!("{rule} ({sev})"),
            r.n.to_string(),
        ));
    }
    let rows = store::alerts::by_status(db).await?;
    for r in rows {
        lines.push(("alerts_by_status".into(), r.label, r.n.to_string()));
    }
    let rows = store::sections::opened_between(db, from, to).await?;
    for r in rows {
        let (id, name) = (r.section_id, r.section_name);
        lines.push((
            "openings".into(),
            format!("{id} {}", name.unwrap_or_default()),
            display_local(r.opened_at),
        ));
    }
    let rows = store::sections::awarded_between(db, from, to).await?;
    let mut total = 0i64;
    for r in rows {
        let (id, market, fen) = (r.section_id, r.market, r.award_fen);
        total = total.saturating_add(fen.unwrap_or(0));
        lines.push((
            "awards".into(),
            format!("{id} ({})", market.unwrap_or_default()),
            Money::from_fen(fen.unwrap_or(0)).to_string(),
        ));
    }
    lines.push((
        "awards".into(),
        "total".into(),
        Money::from_fen(total).to_string(),
    ));
    Ok(lines)
}

pub fn csv_field(s: &str) -> String {
    // RFC 4180 quoting; a leading formula character (OWASP CSV injection: = + - @ tab CR) is
    // neutralized for spreadsheet safety.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn render_csv(lines: &[Line]) -> String {
    let mut out = String::from("section,key,value\r\n");
    for (a, b, c) in lines {
        out.push_str(&format!(
            "{},{},{}\r\n",
            csv_field(a),
            csv_field(b),
            csv_field(c)
        ));
    }
    out
}

/// The report as an HTML document (askama template `monitoring/report.html`, escaped by default).
pub fn render_html(day: NaiveDate, lines: &[Line]) -> Result<String> {
    use askama::Template;
    crate::page::ReportDocument {
        day: day.to_string(),
        lines,
    }
    .render()
    .map_err(|e| Error::internal(format!("report template: {e}")))
}

/// Build and store the report of `day` (regenerating replaces it).
#[tracing::instrument(skip_all, fields(day = %day))]
pub async fn generate_report(db: &Db, day: NaiveDate, now: DateTime<Utc>) -> Result<ReportInfo> {
    let lines = report_lines(db, day).await?;
    store::reports::upsert(
        db,
        day.to_string(),
        (render_csv(&lines), render_html(day, &lines)?),
        now,
    )
    .await?;
    Ok(ReportInfo {
        day,
        created_at: now,
    })
}

pub async fn list_reports(db: &Db) -> Result<Vec<ReportInfo>> {
    let rows = store::reports::list(db).await?;
    rows.into_iter()
        .map(|r| {
            Ok(ReportInfo {
                day: r
                    .day
                    .parse()
                    .map_err(|_| Error::internal("bad report day"))?,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// The stored report as (csv, html).
pub async fn get_report(db: &Db, day: NaiveDate) -> Result<(String, String)> {
    let r = store::reports::report(db, day.to_string())
        .await?
        .ok_or_else(|| Error::not_found(format!("report of {day}")))?;
    Ok((r.csv, r.html))
}

/// Cron: at 00:10 Asia/Shanghai (16:10 UTC) store the report of the day that just ended.
pub fn report_cron() -> ggzy_store::cron::CronJob {
    ggzy_store::cron::CronJob {
        name: "monitoring.daily_report",
        schedule: "0 10 16 * * *",
        missed: ggzy_store::cron::Missed::RunEach,
        // The day comes from the firing, so a firing missed while no server ran (caught up at the
        // next start) still reports its own day.
        run: std::sync::Arc::new(|db, clock, firing| {
            Box::pin(async move {
                let now = clock.now();
                let yesterday = local_date(firing) - Duration::days(1);
                generate_report(&db, yesterday, now).await.map(|_| ())
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_formula_starts_are_neutralized_including_tab_and_cr() {
        assert_eq!(super::csv_field("=1+1"), "'=1+1");
        assert_eq!(super::csv_field("+1"), "'+1");
        assert_eq!(super::csv_field("-1"), "'-1");
        assert_eq!(super::csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_field("\t=cmd"), "'\t=cmd");
        assert_eq!(super::csv_field("\r=cmd"), "\"'\r=cmd\"");
        assert_eq!(super::csv_field("plain"), "plain");
    }

    use super::*;

    #[test]
    fn savings_rate_is_one_minus_award_over_estimate() {
        assert_eq!(
            rate(99_000, 100_000).map(|d| d.to_string()),
            Some("0.0100".into())
        );
        assert_eq!(
            rate(100_000, 100_000).map(|d| d.to_string()),
            Some("0.0000".into())
        );
        assert_eq!(rate(1, 0), None);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let csv = render_csv(&[("a".into(), "x,\"y\"".into(), "=1+1".into())]);
        assert_eq!(csv, "section,key,value\r\na,\"x,\"\"y\"\"\",'=1+1\r\n");
    }
}
