//! The supervisors' live dashboard (`/monitoring`): a page of the web frame (sign-in with the
//! frame's session, no token in any URL), rendered from the askama template
//! `templates/monitoring/dashboard.html`, with inline SVG charts and a small embedded script
//! (`static/dashboard.js`, served by this crate) that follows the sealed event log over
//! Server-Sent Events.
//!
//! Authentication of the read-only routes the page calls (stream, audit search, chain check,
//! section history, reports): a browser's `EventSource` cannot send an `Authorization` header, so
//! these GET routes accept, besides the bearer header, the frame's signed-in session cookie
//! ([`ReaderActor`]). Only GET routes accept it; every change (alert handling, rules) still needs
//! the bearer header, so the cookie cannot be used for cross-site requests that change anything.

use crate::alerts::Alert;
use crate::stats::{self, BoardItem, Dashboard, Stats, StatsParams};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ggzy_core::time::shanghai;
use ggzy_core::{Error, Result};
use ggzy_identity::page_session::{self, PageSessionState};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use ggzy_web::lang::Lang;
use ggzy_web::session::{PageActor, SESSION_COOKIE};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Who may watch the dashboard.
pub const WATCHERS: [Role; 2] = [Role::Supervisor, Role::Admin];

/// The caller of a read-only monitoring route: bearer header, else the frame's session cookie.
pub struct ReaderActor(pub Actor);

impl FromRequestParts<Ctx> for ReaderActor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(ReaderActor(Actor::from_request_parts(parts, ctx).await?));
        }
        let id = ggzy_web::lang::cookie(&parts.headers, SESSION_COOKIE)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::Unauthorized(
                    "missing 'Authorization: Bearer <token>' header or a signed-in session".into(),
                )
            })?;
        match page_session::authenticate_page(ctx, &id).await? {
            PageSessionState::Active(actor) => Ok(ReaderActor(actor)),
            _ => Err(Error::Unauthorized(
                "the session has ended: sign in again".into(),
            )),
        }
    }
}

/// The page's routes: the dashboard and its script and stylesheet.
pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/monitoring", get(dashboard_page))
        .route("/monitoring/dashboard.js", get(script))
        .route("/monitoring/dashboard.css", get(stylesheet))
}

const SCRIPT: &str = include_str!("../static/dashboard.js");
const STYLE: &str = include_str!("../static/dashboard.css");

fn versioned(path: &str, body: &str) -> String {
    format!(
        "{path}?v={}",
        &hex_of(&Sha256::digest(body.as_bytes()))[..12]
    )
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn script_href() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| versioned("/monitoring/dashboard.js", SCRIPT))
}

fn style_href() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| versioned("/monitoring/dashboard.css", STYLE))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

async fn stylesheet() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

/// One bar of a chart, laid out: an integer scale for the height (no float) and the text shown.
pub struct Bar {
    pub x: usize,
    pub y: usize,
    pub h: usize,
    pub mid: usize,
    pub value_y: usize,
    pub shown: String,
    pub label: String,
}

/// A vertical bar chart as inline SVG.
pub struct Chart {
    pub title: &'static str,
    pub width: usize,
    pub bars: Vec<Bar>,
}

/// A bar value: "1234.56" → 123456 (fen or ten-thousandths — only the proportions matter).
fn scale(decimal: &str) -> u128 {
    if decimal.starts_with('-') {
        return 0;
    }
    decimal
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

pub fn chart(title: &'static str, bars: Vec<(String, String)>) -> Chart {
    let values: Vec<u128> = bars.iter().map(|(_, v)| scale(v)).collect();
    let max = values.iter().copied().fold(0u128, u128::max).max(1);
    Chart {
        title,
        width: 60 * bars.len().max(1) + 20,
        bars: bars
            .into_iter()
            .zip(values)
            .enumerate()
            .map(|(i, ((label, shown), v))| {
                let h = usize::try_from(v * 120 / max).unwrap_or(120);
                let x = 10 + i * 60;
                Bar {
                    x,
                    y: 130 - h,
                    h,
                    mid: x + 20,
                    value_y: 125 - h,
                    shown,
                    label,
                }
            })
            .collect(),
    }
}

/// An entry of today's boards (openings, evaluations, rooms in use).
pub struct BoardRow {
    pub time: String,
    pub datetime: String,
    pub code: String,
    pub name: String,
    pub room: String,
}

fn board(list: &[BoardItem]) -> Vec<BoardRow> {
    list.iter()
        .map(|i| {
            let local = i.at.with_timezone(&shanghai());
            BoardRow {
                time: local.format("%H:%M").to_string(),
                datetime: local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                code: i.project_code.clone().unwrap_or_default(),
                name: i.name.clone().unwrap_or_default(),
                room: i.room_name.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// An open alert as listed.
pub struct AlertRow {
    pub id: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub rule_id: String,
    pub message: String,
    /// The alert's case page (on the supervisor's pages).
    pub href: Option<String>,
}

fn severity_label(s: &str, l: Lang) -> &'static str {
    match s {
        "high" => l.t("高", "high"),
        "medium" => l.t("中", "medium"),
        _ => l.t("低", "low"),
    }
}

fn alert_row(a: &Alert, l: Lang) -> AlertRow {
    AlertRow {
        id: a.id.clone(),
        severity: a.severity.as_str(),
        severity_label: severity_label(a.severity.as_str(), l),
        rule_id: a.rule_id.clone(),
        message: if l.is_en() {
            a.message_en.clone()
        } else {
            a.message_zh.clone()
        },
        href: None,
    }
}

fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "construction" => l.t("工程建设", "Construction"),
        "procurement" => l.t("政府采购", "Procurement"),
        "land" => l.t("土地矿业权", "Land"),
        "property" => l.t("产权交易", "Property"),
        _ => l.t("其他", "Other"),
    }
}

/// The dashboard's `<main>` content.
#[derive(Template)]
#[template(path = "monitoring/dashboard.html")]
pub struct DashboardPage {
    pub l: Lang,
    pub today: String,
    pub deposits_held: String,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub alerts: Vec<AlertRow>,
    pub openings: Vec<BoardRow>,
    pub evaluations: Vec<BoardRow>,
    pub rooms: Vec<BoardRow>,
    pub charts: Vec<Chart>,
    pub average_bidders: String,
    pub overall_savings: String,
    pub last_seq: i64,
    pub script_href: &'static str,
    pub style_href: &'static str,
    /// Next year, when its holiday schedule is missing from 1 November (issue 16): the banner.
    pub calendar_next_missing: Option<i32>,
    /// Years that computations needed without a schedule (provisional dates), for the banner.
    pub calendar_years_missing: Vec<i32>,
    /// The supervisor's pages (shown on `/supervisor`).
    pub links: Vec<(&'static str, &'static str)>,
}

/// The year whose schedule the calendar banner asks for: next year from 1 November (Beijing date
/// of `now`) while it is not loaded (`ggzy_store::calendar::next_year_warning`).
pub fn calendar_next_missing(
    cal: &ggzy_core::calendar::BusinessCalendar,
    now: ggzy_core::Timestamp,
) -> Option<i32> {
    use chrono::Datelike;
    ggzy_store::calendar::next_year_warning(cal, now)
        .map(|_| ggzy_core::time::local_date(now).year() + 1)
}

/// The view of the dashboard data in the reader's language.
pub fn view(l: Lang, d: &Dashboard, st: &Stats) -> DashboardPage {
    let by_month = |f: &dyn Fn(&stats::MarketMonth) -> String| -> Vec<(String, String)> {
        st.by_market_month
            .iter()
            .map(|m| (format!("{} {}", market_label(&m.market, l), m.month), f(m)))
            .collect()
    };
    let section_name = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".into());
    DashboardPage {
        l,
        today: d.today.format("%Y-%m-%d").to_string(),
        deposits_held: ggzy_core::money::Money::parse_str(&d.deposits_held)
            .map(|m| ggzy_web::fmt::money(&m))
            .unwrap_or_else(|_| d.deposits_held.clone()),
        high: d.open_alerts.high,
        medium: d.open_alerts.medium,
        low: d.open_alerts.low,
        alerts: d.latest_alerts.iter().map(|a| alert_row(a, l)).collect(),
        openings: board(&d.openings),
        evaluations: board(&d.evaluations),
        rooms: board(&d.rooms_in_use),
        charts: vec![
            chart(
                l.t("各市场月成交金额（元）", "Value per market per month (CNY)"),
                by_month(&|m| m.value.clone()),
            ),
            chart(
                l.t("各市场月成交数量", "Awards per market per month"),
                by_month(&|m| m.awards.to_string()),
            ),
            chart(
                l.t("各标段投标人数", "Bidders per section"),
                st.bidders_per_section
                    .iter()
                    .take(20)
                    .map(|b| (section_name(&b.name), b.bidders.to_string()))
                    .collect(),
            ),
            chart(
                l.t("节资率", "Savings rate"),
                st.savings
                    .iter()
                    .take(20)
                    .map(|s| (section_name(&s.name), s.savings_rate.clone()))
                    .collect(),
            ),
        ],
        average_bidders: st.average_bidders.clone(),
        overall_savings: st
            .overall_savings_rate
            .clone()
            .unwrap_or_else(|| "—".into()),
        last_seq: d.last_seq,
        script_href: script_href(),
        style_href: style_href(),
        calendar_next_missing: None,
        calendar_years_missing: Vec::new(),
        links: Vec::new(),
    }
}

/// `GET /monitoring`: the live supervision dashboard (supervisor, admin; signed in).
async fn dashboard_page(ctx: axum::extract::State<Ctx>, page: PageActor) -> Response {
    let ctx = ctx.0;
    if let Err(r) = page.require(&WATCHERS) {
        return r;
    }
    let data = async {
        let d = stats::dashboard(&ctx, &page.actor).await?;
        let st = stats::stats(&ctx.db, &StatsParams::default()).await?;
        ggzy_store::calendar::refresh(&ctx.db).await?;
        let missing = ggzy_store::calendar::missing_years(&ctx.db).await?;
        Ok::<_, Error>((d, st, missing))
    }
    .await;
    match data {
        Ok((d, st, missing)) => {
            let l = page.chrome.lang;
            let mut v = view(l, &d, &st);
            v.calendar_next_missing = calendar_next_missing(&ctx.calendar, ctx.clock.now());
            v.calendar_years_missing = missing;
            if let Err(e) = crate::supervisor::name_alerts(&ctx, l, &d.latest_alerts, &mut v).await
            {
                return page.error(e).into_response();
            }
            ggzy_web::frame::page(
                &page.chrome,
                l.t(
                    "公共资源交易电子监管",
                    "Public resource trading — supervision",
                ),
                &v,
            )
        }
        Err(e) => page.error(e).into_response(),
    }
}

/// The daily report as an HTML document (download).
#[derive(Template)]
#[template(path = "monitoring/report.html")]
pub struct ReportDocument<'a> {
    pub day: String,
    pub lines: &'a [stats::Line],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_negative_values_are_flat() {
        let c = chart(
            "t",
            vec![
                ("a".into(), "10.00".into()),
                ("b".into(), "5.00".into()),
                ("c".into(), "-1.00".into()),
            ],
        );
        let h: Vec<usize> = c.bars.iter().map(|b| b.h).collect();
        assert_eq!(h, [120, 60, 0]);
        assert_eq!(c.width, 200);
    }

    #[test]
    fn chart_labels_are_escaped_by_the_template() {
        let mut p = view(
            Lang::Zh,
            &Dashboard {
                today: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
                openings: vec![],
                evaluations: vec![],
                rooms_in_use: vec![],
                open_alerts: stats::SeverityCounts {
                    high: 0,
                    medium: 0,
                    low: 0,
                },
                latest_alerts: vec![],
                deposits_held: "1234567.80".into(),
                last_seq: 7,
            },
            &Stats {
                by_market_month: vec![],
                bidders_per_section: vec![],
                average_bidders: "0".into(),
                savings: vec![],
                overall_savings_rate: None,
            },
        );
        p.charts = vec![chart("<t>", vec![("<x>".into(), "10.00".into())])];
        let html = p.render().expect("render");
        assert!(
            (html.contains("&lt;x&gt;") || html.contains("&#60;x&#62;")) && !html.contains("<x>"),
            "{html}"
        );
        assert!(html.contains("1,234,567.80"), "{html}");
        assert!(html.contains("data-after=\"7\""), "{html}");
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "{html}"
        );
    }
}
