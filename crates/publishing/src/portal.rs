//! The public web portal (公共资源交易信息发布门户): server-rendered HTML in Chinese with an
//! English switch, no login, no JavaScript needed, no external resources.
//!
//! Routes: `/` (markets, latest announcements, next openings), `/announcements` (filters, search,
//! cursor pagination), `/announcements/{id}` (body, attachments, versions, linked notices),
//! `/market/{market}` (the stylesheet is ggzy-web's, `/static/ggzy.css`). Every read goes through [`crate::service`]
//! (`list_public`, `get`), so the portal shows exactly what the JSON API shows.

pub mod bench;
pub mod layout;
pub mod view;

use crate::rules::AnnouncementType;
use crate::service::{self, Announcement, PublicFilter};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::ident::Market;
use ggzy_core::time::at_local;
use ggzy_core::{Error, Result};
use ggzy_store::Ctx;
use ggzy_web::frame::Chrome;
use ggzy_web::lang::{href, Lang};
use ggzy_web::session::PublicPage;
use layout::html_response;
use serde::Deserialize;
use serde_json::Value;
use view::{Detail, Shown};

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/", get(home))
        .route("/announcements", get(list_page))
        .route("/announcements/{id}", get(detail_page))
        .route("/market/{market}", get(market_page))
}

/// Query string of the portal pages. Every value is a string so an HTML form's empty fields
/// (`market=`) mean "no filter" rather than an error.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PortalQuery {
    pub lang: Option<String>,
    pub market: Option<String>,
    #[serde(rename = "type")]
    pub ann_type: Option<String>,
    pub region: Option<String>,
    /// First publishing date, `YYYY-MM-DD` (Beijing time), inclusive.
    pub from: Option<String>,
    /// Last publishing date, `YYYY-MM-DD` (Beijing time), inclusive.
    pub to: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn market_label(m: &str, l: Lang) -> &'static str {
    match Market::parse(m) {
        Ok(Market::Construction) => l.t("工程建设", "Construction projects"),
        Ok(Market::Procurement) => l.t("政府采购", "Government procurement"),
        Ok(Market::Land) => l.t("土地矿业权", "Land and mining rights"),
        Ok(Market::Property) => l.t("产权交易", "State-owned property rights"),
        Err(_) => l.t("其他", "Other"),
    }
}

pub fn type_label(t: AnnouncementType, l: Lang) -> &'static str {
    match t {
        AnnouncementType::Tender => l.t("招标公告", "Tender announcement"),
        AnnouncementType::Prequalification => l.t("资格预审公告", "Pre-qualification announcement"),
        AnnouncementType::Change => l.t("变更/澄清公告", "Change / clarification notice"),
        AnnouncementType::OpeningRecord => l.t("开标记录", "Bid opening record"),
        AnnouncementType::CandidatePublicity => {
            l.t("中标候选人公示", "Publicity of winning candidates")
        }
        AnnouncementType::Award => l.t("中标/成交结果公告", "Award announcement"),
        AnnouncementType::Failure => l.t("流标/终止公告", "Failure / termination notice"),
        AnnouncementType::LandTransfer => l.t("出让公告", "Land transfer announcement"),
        AnnouncementType::PropertyPredisclosure => {
            l.t("产权转让信息预披露", "Property transfer pre-disclosure")
        }
        AnnouncementType::PropertyDisclosure => {
            l.t("产权转让信息披露", "Property transfer disclosure")
        }
        AnnouncementType::Deal => l.t("成交公告", "Deal announcement"),
    }
}

fn parse_instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// A public reading problem shown to the reader as an HTML page.
struct PageError {
    status: StatusCode,
    message: String,
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        let p = e.to_problem();
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status.is_server_error() {
            if let Error::Internal(m) = &e {
                tracing::error!(error = %m, "portal page failed");
            }
            String::new()
        } else {
            p.errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .chain(Some(p.detail).filter(|d| !d.is_empty()))
                .collect::<Vec<_>>()
                .join("; ")
        };
        PageError { status, message }
    }
}

/// One entry of the banner navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// An announcement in a list.
pub struct ItemRow {
    pub id: String,
    pub title: String,
    pub type_label: &'static str,
    pub market_label: &'static str,
    pub region: String,
    pub published: Option<Shown>,
    pub withdrawn: bool,
}

impl ItemRow {
    fn of(a: &Announcement, l: Lang) -> ItemRow {
        ItemRow {
            id: a.id.clone(),
            title: a.title.clone(),
            type_label: type_label(a.ann_type, l),
            market_label: market_label(&a.market, l),
            region: a.region.clone(),
            published: a.published_at.map(Shown::time),
            withdrawn: a.withdrawn_at.is_some(),
        }
    }
}

/// An upcoming opening in the "next openings" table.
pub struct OpeningRow {
    pub id: String,
    pub title: String,
    pub market_label: &'static str,
    pub at: Shown,
}

fn opening_rows(os: &[Opening], l: Lang) -> Vec<OpeningRow> {
    os.iter()
        .map(|o| OpeningRow {
            id: o.announcement_id.clone(),
            title: o.title.clone(),
            market_label: market_label(&o.market, l),
            at: Shown::time(o.at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    l: Lang,
    nav: Vec<NavItem>,
    markets: Vec<(&'static str, &'static str)>,
    openings: Vec<OpeningRow>,
    latest: Vec<ItemRow>,
}

/// The values of the filter form, as typed.
#[derive(Default)]
struct FormValues {
    q: String,
    market: String,
    ann_type: String,
    region: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "portal/list.html")]
struct ListPage {
    l: Lang,
    title: String,
    nav: Vec<NavItem>,
    path: String,
    /// The market page: the market is the path's, not a filter.
    fixed_market: bool,
    openings: Option<Vec<OpeningRow>>,
    f: FormValues,
    market_options: Vec<(&'static str, &'static str)>,
    type_options: Vec<(&'static str, &'static str)>,
    items: Vec<ItemRow>,
    first_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/detail.html")]
struct DetailPage {
    l: Lang,
    title: String,
    nav: Vec<NavItem>,
    d: Detail,
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    l: Lang,
    title: String,
    nav: Vec<NavItem>,
    message: String,
}

/// The request context every page needs: the frame's chrome (language, who is signed in).
struct Reader {
    chrome: Chrome,
    lang: Lang,
}

impl Reader {
    fn new(page: PublicPage) -> Reader {
        let chrome = page.0;
        Reader {
            lang: chrome.lang,
            chrome,
        }
    }

    /// The portal's own navigation (home, all announcements, each market).
    fn nav(&self, current: &str) -> Vec<NavItem> {
        let l = self.lang;
        std::iter::once(("/".to_string(), l.t("首页", "Home")))
            .chain(std::iter::once((
                "/announcements".to_string(),
                l.t("全部公告", "All announcements"),
            )))
            .chain(Market::ALL.iter().map(|m| {
                (
                    format!("/market/{}", m.as_str()),
                    market_label(m.as_str(), l),
                )
            }))
            .map(|(href, label)| NavItem {
                current: href == current,
                href,
                label,
            })
            .collect()
    }

    /// The page's body template rendered into the frame's document, answered with the portal's
    /// caching headers.
    fn render(
        &self,
        headers: &HeaderMap,
        status: StatusCode,
        title: &str,
        page: &impl Template,
    ) -> Response {
        match ggzy_web::frame::document(&self.chrome, title, page) {
            Ok(html) => html_response(headers, status, html, &self.chrome),
            Err(e) => {
                tracing::error!(error = %e, "portal template failed");
                self.error(
                    headers,
                    PageError {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                        message: String::new(),
                    },
                )
            }
        }
    }

    fn error(&self, headers: &HeaderMap, e: PageError) -> Response {
        let l = self.lang;
        let title = match e.status {
            StatusCode::NOT_FOUND => l.t("未找到", "Not found"),
            s if s.is_client_error() => l.t("请求有误", "Invalid request"),
            _ => l.t("服务暂不可用", "Service unavailable"),
        };
        let page = ErrorPage {
            l,
            title: title.to_string(),
            nav: self.nav(""),
            message: e.message,
        };
        let html = ggzy_web::frame::document(&self.chrome, title, &page).unwrap_or_else(|err| {
            tracing::error!(error = %err, "portal error template failed");
            String::new()
        });
        html_response(headers, e.status, html, &self.chrome)
    }
}

fn filter_pairs(q: &PortalQuery) -> Vec<(&'static str, &str)> {
    let mut v = vec![];
    for (k, val) in [
        ("market", &q.market),
        ("type", &q.ann_type),
        ("region", &q.region),
        ("from", &q.from),
        ("to", &q.to),
        ("q", &q.q),
    ] {
        if let Some(s) = nonempty(val) {
            v.push((k, s));
        }
    }
    v
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Error::field(
            field,
            "date",
            "a date is written YYYY-MM-DD / 日期格式为 YYYY-MM-DD",
        )
    })
}

/// The service filter for a portal query: dates are Beijing calendar days, `to` inclusive.
fn to_filter(q: &PortalQuery, limit: i64) -> Result<PublicFilter> {
    let from = nonempty(&q.from)
        .map(|s| parse_day("from", s))
        .transpose()?;
    let to = nonempty(&q.to).map(|s| parse_day("to", s)).transpose()?;
    Ok(PublicFilter {
        market: nonempty(&q.market).map(str::to_string),
        ann_type: nonempty(&q.ann_type).map(str::to_string),
        region: nonempty(&q.region).map(str::to_string),
        status: None,
        from: from.map(|d| at_local(d, 0, 0, 0)),
        to: to.and_then(|d| d.succ_opt()).map(|d| at_local(d, 0, 0, 0)),
        q: nonempty(&q.q).map(str::to_string),
        cursor: nonempty(&q.cursor).map(str::to_string),
        limit: Some(limit),
    })
}

/// An upcoming bid opening (开标) or trading start read from a published announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    pub announcement_id: String,
    pub title: String,
    pub market: String,
    pub at: DateTime<Utc>,
}

/// What the "next openings" notice needs from a published announcement.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub id: String,
    pub title: String,
    pub market: String,
    pub fields: Value,
    pub original_id: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn: bool,
    /// For a change notice: the new opening times it set (`postpone[].new_opening_at`).
    pub postponed_to: Vec<DateTime<Utc>>,
}

impl From<&Announcement> for Listed {
    fn from(a: &Announcement) -> Listed {
        Listed {
            id: a.id.clone(),
            title: a.title.clone(),
            market: a.market.clone(),
            fields: a.fields.clone(),
            original_id: a.original_id.clone(),
            published_at: a.published_at,
            withdrawn: a.withdrawn_at.is_some(),
            postponed_to: a.postpone.iter().map(|p| p.new_opening_at).collect(),
        }
    }
}

/// When an announcement says its opening happens: `opening_at` when stated, else the bid
/// deadline — the opening takes place at the deadline (招标投标法 第34条: 开标应当在招标文件确定的
/// 提交投标文件截止时间的同一时间公开进行) — or a land transfer's `trading_start_at`.
fn stated_opening(a: &Listed) -> Option<DateTime<Utc>> {
    ["opening_at", "bid_deadline", "trading_start_at"]
        .iter()
        .find_map(|k| parse_instant(&a.fields[*k]))
}

/// A change notice's new opening time: the latest it postponed to, or a `new_opening_at` /
/// `new_bid_deadline` among its fields.
fn postponed_opening(c: &Listed) -> Option<DateTime<Utc>> {
    c.postponed_to
        .iter()
        .max()
        .copied()
        .or_else(|| parse_instant(&c.fields["new_opening_at"]))
        .or_else(|| parse_instant(&c.fields["new_bid_deadline"]))
}

/// Upcoming openings from published tender / land transfer announcements, each moved by the
/// latest published change notice that postpones it; only those after `now`, soonest first.
pub fn upcoming(
    announcements: &[Listed],
    changes: &[Listed],
    now: DateTime<Utc>,
    limit: usize,
) -> Vec<Opening> {
    let mut out: Vec<Opening> = announcements
        .iter()
        .filter(|a| !a.withdrawn)
        .filter_map(|a| {
            let latest_change = changes
                .iter()
                .filter(|c| c.original_id.as_deref() == Some(a.id.as_str()))
                .filter_map(|c| Some((c.published_at?, postponed_opening(c)?)))
                .max_by_key(|(published, _)| *published)
                .map(|(_, at)| at);
            let at = latest_change.or_else(|| stated_opening(a))?;
            (at > now).then(|| Opening {
                announcement_id: a.id.clone(),
                title: a.title.clone(),
                market: a.market.clone(),
                at,
            })
        })
        .collect();
    out.sort_by(|x, y| x.at.cmp(&y.at).then_with(|| x.title.cmp(&y.title)));
    out.truncate(limit);
    out
}

/// How many recent tender announcements the "next openings" notice looks at: tenders are
/// published at least 20 days before their opening (招标投标法 第24条), so the upcoming ones are
/// among the latest published.
const OPENING_WINDOW: i64 = 100;

async fn next_openings(ctx: &Ctx, market: Option<&str>, limit: usize) -> Result<Vec<Opening>> {
    let list = |t: AnnouncementType| PublicFilter {
        market: market.map(str::to_string),
        ann_type: Some(t.as_str().into()),
        limit: Some(OPENING_WINDOW),
        ..PublicFilter::default()
    };
    let mut anns: Vec<Listed> = Vec::new();
    for t in [AnnouncementType::Tender, AnnouncementType::LandTransfer] {
        let page = service::list_public(ctx, &list(t)).await?;
        anns.extend(page.items.iter().map(Listed::from));
    }
    let changes: Vec<Listed> = service::list_public(ctx, &list(AnnouncementType::Change))
        .await?
        .items
        .iter()
        .map(Listed::from)
        .collect();
    Ok(upcoming(&anns, &changes, ctx.clock.now(), limit))
}

/// `GET /`: markets, search, next openings, latest announcements.
async fn home(State(ctx): State<Ctx>, headers: HeaderMap, page: PublicPage) -> Response {
    // Public: no role required.
    let r = Reader::new(page);
    let l = r.lang;
    let data = async {
        let latest = service::list_public(
            &ctx,
            &PublicFilter {
                limit: Some(10),
                ..PublicFilter::default()
            },
        )
        .await?;
        let openings = next_openings(&ctx, None, 10).await?;
        Ok::<_, Error>((latest, openings))
    }
    .await;
    match data {
        Ok((latest, openings)) => {
            let title = l.t("首页", "Home");
            let page = HomePage {
                l,
                nav: r.nav("/"),
                markets: Market::ALL
                    .iter()
                    .map(|m| (m.as_str(), market_label(m.as_str(), l)))
                    .collect(),
                openings: opening_rows(&openings, l),
                latest: latest.items.iter().map(|a| ItemRow::of(a, l)).collect(),
            };
            r.render(&headers, StatusCode::OK, title, &page)
        }
        Err(e) => r.error(&headers, e.into()),
    }
}

/// The list with its filters and pager, for `/announcements` and `/market/{market}`.
async fn list_page_of(
    ctx: &Ctx,
    r: &Reader,
    q: &PortalQuery,
    path: &str,
    title: &str,
    fixed: Option<&str>,
) -> Result<ListPage> {
    let l = r.lang;
    let openings = match fixed {
        Some(m) => Some(opening_rows(&next_openings(ctx, Some(m), 10).await?, l)),
        None => None,
    };
    let page = service::list_public(ctx, &to_filter(q, 20)?).await?;
    let base = filter_pairs(q);
    let base: Vec<(&str, &str)> = base
        .into_iter()
        .filter(|(k, _)| fixed.is_none() || *k != "market")
        .collect();
    let next_href = page.next_cursor.as_ref().map(|c| {
        let mut pairs = base.clone();
        pairs.push(("cursor", c));
        href(path, &pairs)
    });
    let v = |o: &Option<String>| nonempty(o).unwrap_or("").to_string();
    Ok(ListPage {
        l,
        title: title.to_string(),
        nav: r.nav(path),
        path: path.to_string(),
        fixed_market: fixed.is_some(),
        openings,
        f: FormValues {
            q: v(&q.q),
            market: v(&q.market),
            ann_type: v(&q.ann_type),
            region: v(&q.region),
            from: v(&q.from),
            to: v(&q.to),
        },
        market_options: Market::ALL
            .iter()
            .map(|m| (m.as_str(), market_label(m.as_str(), l)))
            .collect(),
        type_options: AnnouncementType::ALL
            .iter()
            .map(|t| (t.as_str(), type_label(*t, l)))
            .collect(),
        items: page.items.iter().map(|a| ItemRow::of(a, l)).collect(),
        first_href: nonempty(&q.cursor).map(|_| href(path, &base)),
        next_href,
    })
}

/// `GET /announcements`: filters (market, type, region, dates), search, cursor pages.
async fn list_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    page: PublicPage,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Public: no role required.
    let r = Reader::new(page);
    let title = r.lang.t("全部公告", "All announcements");
    match list_page_of(&ctx, &r, &q, "/announcements", title, None).await {
        Ok(page) => r.render(&headers, StatusCode::OK, &page.title, &page),
        Err(e) => r.error(&headers, e.into()),
    }
}

/// `GET /market/{market}`: one market's next openings and its announcements.
async fn market_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    page: PublicPage,
    Path(market): Path<String>,
    Query(mut q): Query<PortalQuery>,
) -> Response {
    // Public: no role required.
    let r = Reader::new(page);
    let Ok(m) = Market::parse(&market) else {
        return r.error(
            &headers,
            Error::not_found(format!("market {market}")).into(),
        );
    };
    q.market = Some(m.as_str().into());
    let path = format!("/market/{}", m.as_str());
    let title = market_label(m.as_str(), r.lang);
    match list_page_of(&ctx, &r, &q, &path, title, Some(m.as_str())).await {
        Ok(page) => r.render(&headers, StatusCode::OK, &page.title, &page),
        Err(e) => r.error(&headers, e.into()),
    }
}

/// `GET /announcements/{id}`: a published (or withdrawn) announcement; anything else is 404.
async fn detail_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    page: PublicPage,
    Path(id): Path<String>,
) -> Response {
    // Public: no role required; drafts are never shown here (service::get without an actor).
    let r = Reader::new(page);
    match view::announcement(&ctx, &id, r.lang).await {
        Ok(d) => {
            let page = DetailPage {
                l: r.lang,
                title: d.title.clone(),
                nav: r.nav(""),
                d,
            };
            r.render(&headers, StatusCode::OK, &page.title, &page)
        }
        Err(e) => r.error(&headers, e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t(day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, h, 0, 0)
            .single()
            .expect("t")
    }

    fn ann(id: &str, _ty: AnnouncementType, fields: Value, published: DateTime<Utc>) -> Listed {
        Listed {
            id: id.into(),
            market: "construction".into(),
            title: format!("title {id}"),
            fields,
            published_at: Some(published),
            ..Listed::default()
        }
    }

    #[test]
    fn an_opening_is_at_the_bid_deadline_unless_stated_and_past_ones_are_left_out() {
        let now = t(10, 1);
        let a = ann(
            "a",
            AnnouncementType::Tender,
            json!({"bid_deadline": t(22, 1).to_rfc3339()}),
            t(1, 1),
        );
        let b = ann(
            "b",
            AnnouncementType::Tender,
            json!({"bid_deadline": t(20, 1).to_rfc3339(), "opening_at": t(21, 1).to_rfc3339()}),
            t(1, 1),
        );
        let past = ann(
            "c",
            AnnouncementType::Tender,
            json!({"bid_deadline": t(10, 1).to_rfc3339()}),
            t(1, 1),
        );
        let os = upcoming(&[a, b, past], &[], now, 10);
        let ids: Vec<&str> = os.iter().map(|o| o.announcement_id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert_eq!(os[0].at, t(21, 1));
    }

    #[test]
    fn the_latest_change_notice_that_postpones_moves_the_opening() {
        let a = ann(
            "a",
            AnnouncementType::Tender,
            json!({"bid_deadline": t(22, 1).to_rfc3339()}),
            t(1, 1),
        );
        let mut c1 = ann("c1", AnnouncementType::Change, json!({}), t(5, 1));
        c1.postponed_to = vec![t(25, 2)];
        c1.original_id = Some("a".into());
        let mut c2 = ann(
            "c2",
            AnnouncementType::Change,
            json!({"new_opening_at": t(27, 1).to_rfc3339()}),
            t(6, 1),
        );
        c2.original_id = Some("a".into());
        let os = upcoming(std::slice::from_ref(&a), &[c1.clone()], t(10, 1), 10);
        assert_eq!(os[0].at, t(25, 2));
        let os = upcoming(&[a], &[c2, c1], t(10, 1), 10);
        assert_eq!(os[0].at, t(27, 1));
    }

    #[test]
    fn withdrawn_announcements_have_no_opening() {
        let mut a = ann(
            "a",
            AnnouncementType::Tender,
            json!({"bid_deadline": t(22, 1).to_rfc3339()}),
            t(1, 1),
        );
        a.withdrawn = true;
        assert!(upcoming(&[a], &[], t(10, 1), 10).is_empty());
    }

    #[test]
    fn portal_dates_are_beijing_days_and_the_last_day_is_included() {
        let q = PortalQuery {
            from: Some("2026-03-02".into()),
            to: Some("2026-03-02".into()),
            market: Some(String::new()),
            ..PortalQuery::default()
        };
        let f = to_filter(&q, 20).expect("filter");
        assert_eq!(f.market, None);
        // 2026-03-02 00:00 Beijing = 03-01 16:00 UTC; the day ends at 03-02 16:00 UTC.
        assert_eq!(f.from, Some(t(1, 16)));
        assert_eq!(f.to, Some(t(2, 16)));
        let bad = PortalQuery {
            from: Some("02/03/2026".into()),
            ..PortalQuery::default()
        };
        assert!(to_filter(&bad, 20).is_err());
    }

    #[test]
    fn every_type_and_market_has_a_label_in_both_languages() {
        for ty in AnnouncementType::ALL {
            assert_eq!(type_label(ty, Lang::Zh), ty.label());
            assert!(type_label(ty, Lang::En).is_ascii());
        }
        for m in Market::ALL {
            assert_ne!(
                market_label(m.as_str(), Lang::Zh),
                market_label(m.as_str(), Lang::En)
            );
        }
    }
}
