//! The public web portal (公共资源交易信息发布门户): server-rendered HTML in Chinese with an
//! English switch, no login, no JavaScript needed, no external resources.
//!
//! Routes: `/` (markets, latest announcements, next openings), `/announcements` (filters, search,
//! cursor pagination), `/announcements/{id}` (body, attachments, versions, linked notices),
//! `/market/{market}` (the stylesheet is ggzy-web's, `/static/ggzy.css`). Every read goes through [`crate::service`]
//! (`list_public`, `get`), so the portal shows exactly what the JSON API shows.

pub mod bench;
pub mod layout;

use crate::rules::AnnouncementType;
use crate::service::{self, Announcement, PublicFilter};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::ident::Market;
use ggzy_core::time::{at_local, shanghai};
use ggzy_core::{Error, Result};
use ggzy_store::Ctx;
use layout::{esc, href, html_response, url_encode, Frame, Lang, NavLink};
use serde::Deserialize;
use serde_json::Value;

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
        AnnouncementType::PropertyDisclosure => {
            l.t("产权转让信息披露", "Property transfer disclosure")
        }
        AnnouncementType::Deal => l.t("成交公告", "Deal announcement"),
    }
}

/// Beijing time for people, to the minute.
fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
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

/// The request context every page needs: language, the cookie to set, the banner.
struct Reader {
    lang: Lang,
    set_cookie: Option<String>,
}

impl Reader {
    fn new(q: &PortalQuery, headers: &HeaderMap) -> Reader {
        let (lang, set_cookie) = Lang::choose(q.lang.as_deref(), headers);
        Reader { lang, set_cookie }
    }

    fn page(
        &self,
        headers: &HeaderMap,
        status: StatusCode,
        title: &str,
        current: &str,
        switch_href: &str,
        main: &str,
    ) -> Response {
        let l = self.lang;
        let items: Vec<(String, &str)> = std::iter::once(("/".to_string(), l.t("首页", "Home")))
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
            .collect();
        let nav: Vec<NavLink<'_>> = items
            .iter()
            .map(|(h, label)| NavLink {
                href: h,
                label,
                current: h == current,
            })
            .collect();
        let html = layout::layout(&Frame {
            lang: l,
            title,
            nav: &nav,
            switch_href,
            main,
        });
        html_response(headers, status, html, self.set_cookie.as_deref())
    }

    fn error(&self, headers: &HeaderMap, e: PageError) -> Response {
        let l = self.lang;
        let title = match e.status {
            StatusCode::NOT_FOUND => l.t("未找到", "Not found"),
            s if s.is_client_error() => l.t("请求有误", "Invalid request"),
            _ => l.t("服务暂不可用", "Service unavailable"),
        };
        let main = format!(
            "<h1>{}</h1><p class=\"notice\" role=\"alert\">{}</p><p><a href=\"/\">{}</a></p>",
            esc(title),
            esc(&e.message),
            l.t("返回首页", "Back to the home page")
        );
        let switch = href("/", &[("lang", l.other().code())]);
        self.page(headers, e.status, title, "", &switch, &main)
    }
}

/// The link that shows the same page in the other language (the other query values kept).
fn switch_href(path: &str, q: &PortalQuery, l: Lang) -> String {
    let mut pairs = filter_pairs(q);
    if let Some(c) = nonempty(&q.cursor) {
        pairs.push(("cursor", c));
    }
    pairs.push(("lang", l.other().code()));
    href(path, &pairs)
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

fn item_li(a: &Announcement, l: Lang) -> String {
    format!(
        "<li><a href=\"/announcements/{id}\">{title}</a><span class=\"meta\"><span class=\"tag\">{ty}</span>\
         {market} · {region} · <time datetime=\"{iso}\">{when}</time>{withdrawn}</span></li>",
        id = esc(&a.id),
        title = esc(&a.title),
        ty = type_label(a.ann_type, l),
        market = market_label(&a.market, l),
        region = esc(&a.region),
        iso = a.published_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        when = a.published_at.map(when).unwrap_or_default(),
        withdrawn = if a.withdrawn_at.is_some() {
            format!(" · {}", l.t("已撤回", "withdrawn"))
        } else {
            String::new()
        },
    )
}

fn items_ul(items: &[Announcement], l: Lang) -> String {
    if items.is_empty() {
        return format!(
            "<p>{}</p>",
            l.t("没有符合条件的公告。", "No announcements match.")
        );
    }
    let mut s = String::from("<ul class=\"items\">");
    for a in items {
        s.push_str(&item_li(a, l));
    }
    s.push_str("</ul>");
    s
}

fn search_form(l: Lang, value: &str) -> String {
    format!(
        "<form class=\"search\" role=\"search\" method=\"get\" action=\"/announcements\">\
         <div><label for=\"home-q\">{label}</label><input id=\"home-q\" name=\"q\" type=\"search\" value=\"{v}\"></div>\
         <button type=\"submit\">{btn}</button></form>",
        label = l.t("搜索公告标题和正文", "Search titles and text"),
        v = esc(value),
        btn = l.t("搜索", "Search"),
    )
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
        // Read through the public JSON form, as an API client would.
        let postponed_to = serde_json::to_value(a)
            .ok()
            .and_then(|v| v.get("postpone").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| {
                parse_instant(&e["new_opening_at"]).or(parse_instant(&e["new_deadline"]))
            })
            .collect();
        Listed {
            id: a.id.clone(),
            title: a.title.clone(),
            market: a.market.clone(),
            fields: a.fields.clone(),
            original_id: a.original_id.clone(),
            published_at: a.published_at,
            withdrawn: a.withdrawn_at.is_some(),
            postponed_to,
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

fn openings_table(os: &[Opening], l: Lang) -> String {
    if os.is_empty() {
        return format!(
            "<p>{}</p>",
            l.t("近期没有开标安排。", "No openings are scheduled.")
        );
    }
    let mut s = format!(
        "<table><caption class=\"skip\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("近期开标", "Next openings"),
        l.t("开标时间", "Opening time"),
        l.t("项目", "Project"),
        l.t("市场", "Market"),
    );
    for o in os {
        s.push_str(&format!(
            "<tr><td><time datetime=\"{}\">{}</time></td><td><a href=\"/announcements/{}\">{}</a></td><td>{}</td></tr>",
            o.at.to_rfc3339(),
            when(o.at),
            esc(&o.announcement_id),
            esc(&o.title),
            market_label(&o.market, l)
        ));
    }
    s.push_str("</tbody></table>");
    s
}

/// `GET /`: markets, search, next openings, latest announcements.
async fn home(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Public: no role required.
    let r = Reader::new(&q, &headers);
    match home_main(&ctx, r.lang).await {
        Ok(main) => {
            let title = r.lang.t("首页", "Home");
            r.page(
                &headers,
                StatusCode::OK,
                title,
                "/",
                &switch_href("/", &q, r.lang),
                &main,
            )
        }
        Err(e) => r.error(&headers, e.into()),
    }
}

async fn home_main(ctx: &Ctx, l: Lang) -> Result<String> {
    let latest = service::list_public(
        ctx,
        &PublicFilter {
            limit: Some(10),
            ..PublicFilter::default()
        },
    )
    .await?;
    let openings = next_openings(ctx, None, 10).await?;
    let mut markets = String::from("<ul class=\"markets\">");
    for m in Market::ALL {
        markets.push_str(&format!(
            "<li><a href=\"/market/{}\">{}</a></li>",
            m.as_str(),
            market_label(m.as_str(), l)
        ));
    }
    markets.push_str("</ul>");
    Ok(format!(
        "<h1>{h1}</h1>{search}\
         <section aria-labelledby=\"markets-h\"><h2 id=\"markets-h\">{mh}</h2>{markets}</section>\
         <section aria-labelledby=\"open-h\"><h2 id=\"open-h\">{oh}</h2>{open}</section>\
         <section aria-labelledby=\"latest-h\"><h2 id=\"latest-h\">{lh}</h2>{latest}\
         <p><a href=\"/announcements\">{all}</a></p></section>",
        h1 = l.t(
            "公共资源交易信息发布",
            "Public resource trading announcements"
        ),
        search = search_form(l, ""),
        mh = l.t("交易市场", "Markets"),
        oh = l.t("近期开标", "Next openings"),
        open = openings_table(&openings, l),
        lh = l.t("最新公告", "Latest announcements"),
        latest = items_ul(&latest.items, l),
        all = l.t("查看全部公告", "See all announcements"),
    ))
}

fn select(
    id: &str,
    name: &str,
    label: &str,
    any: &str,
    options: &[(&str, &str)],
    cur: &str,
) -> String {
    let mut s = format!(
        "<div><label for=\"{id}\">{}</label><select id=\"{id}\" name=\"{name}\"><option value=\"\">{}</option>",
        esc(label),
        esc(any)
    );
    for (v, text) in options {
        s.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(v),
            if *v == cur { " selected" } else { "" },
            esc(text)
        ));
    }
    s.push_str("</select></div>");
    s
}

fn input(id: &str, name: &str, label: &str, ty: &str, value: &str) -> String {
    format!(
        "<div><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{name}\" type=\"{ty}\" value=\"{}\"></div>",
        esc(label),
        esc(value)
    )
}

fn filters_form(q: &PortalQuery, l: Lang, action: &str, fixed_market: bool) -> String {
    let markets: Vec<(&str, &str)> = Market::ALL
        .iter()
        .map(|m| (m.as_str(), market_label(m.as_str(), l)))
        .collect();
    let types: Vec<(&str, &str)> = AnnouncementType::ALL
        .iter()
        .map(|t| (t.as_str(), type_label(*t, l)))
        .collect();
    let any = l.t("全部", "All");
    let v = |o: &Option<String>| nonempty(o).unwrap_or("").to_string();
    let mut s = format!(
        "<form class=\"filters\" method=\"get\" action=\"{}\" aria-label=\"{}\">",
        esc(action),
        l.t("筛选公告", "Filter announcements")
    );
    s.push_str(&input(
        "f-q",
        "q",
        l.t("关键词", "Keywords"),
        "search",
        &v(&q.q),
    ));
    if !fixed_market {
        s.push_str(&select(
            "f-market",
            "market",
            l.t("市场", "Market"),
            any,
            &markets,
            &v(&q.market),
        ));
    }
    s.push_str(&select(
        "f-type",
        "type",
        l.t("公告类型", "Type"),
        any,
        &types,
        &v(&q.ann_type),
    ));
    s.push_str(&input(
        "f-region",
        "region",
        l.t("地区代码", "Region code"),
        "text",
        &v(&q.region),
    ));
    s.push_str(&input(
        "f-from",
        "from",
        l.t("发布日期自", "Published from"),
        "date",
        &v(&q.from),
    ));
    s.push_str(&input(
        "f-to",
        "to",
        l.t("发布日期至", "Published until"),
        "date",
        &v(&q.to),
    ));
    s.push_str(&format!(
        "<div><button type=\"submit\">{}</button></div></form>",
        l.t("查询", "Apply")
    ));
    s
}

/// The list with its filters and pager, for `/announcements` and `/market/{market}`.
async fn list_main(ctx: &Ctx, q: &PortalQuery, l: Lang, path: &str, fixed: bool) -> Result<String> {
    let page = service::list_public(ctx, &to_filter(q, 20)?).await?;
    let mut pager = String::new();
    let base = filter_pairs(q);
    if nonempty(&q.cursor).is_some() {
        pager.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            esc(&href(path, &base)),
            l.t("第一页", "First page")
        ));
    }
    if let Some(c) = &page.next_cursor {
        let mut pairs = base.clone();
        pairs.push(("cursor", c));
        pager.push_str(&format!(
            "<a href=\"{}\" rel=\"next\">{}</a>",
            esc(&href(path, &pairs)),
            l.t("下一页", "Next page")
        ));
    }
    let searched = nonempty(&q.q)
        .map(|s| {
            format!(
                "<p role=\"status\">{} “{}”</p>",
                l.t("搜索：", "Search results for"),
                esc(s)
            )
        })
        .unwrap_or_default();
    Ok(format!(
        "{form}<section aria-labelledby=\"results-h\"><h2 id=\"results-h\">{rh}</h2>{searched}{items}\
         <nav class=\"pager\" aria-label=\"{pl}\">{pager}</nav></section>",
        form = filters_form(q, l, path, fixed),
        rh = l.t("公告列表", "Announcements"),
        items = items_ul(&page.items, l),
        pl = l.t("分页", "Pages"),
    ))
}

/// `GET /announcements`: filters (market, type, region, dates), search, cursor pages.
async fn list_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Public: no role required.
    let r = Reader::new(&q, &headers);
    let l = r.lang;
    match list_main(&ctx, &q, l, "/announcements", false).await {
        Ok(list) => {
            let title = l.t("全部公告", "All announcements");
            let main = format!("<h1>{}</h1>{list}", esc(title));
            r.page(
                &headers,
                StatusCode::OK,
                title,
                "/announcements",
                &switch_href("/announcements", &q, l),
                &main,
            )
        }
        Err(e) => r.error(&headers, e.into()),
    }
}

/// `GET /market/{market}`: one market's next openings and its announcements.
async fn market_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(market): Path<String>,
    Query(mut q): Query<PortalQuery>,
) -> Response {
    // Public: no role required.
    let r = Reader::new(&q, &headers);
    let l = r.lang;
    let Ok(m) = Market::parse(&market) else {
        return r.error(
            &headers,
            Error::not_found(format!("market {market}")).into(),
        );
    };
    q.market = Some(m.as_str().into());
    let path = format!("/market/{}", m.as_str());
    let result = async {
        let openings = next_openings(&ctx, Some(m.as_str()), 10).await?;
        let list = list_main(&ctx, &q, l, &path, true).await?;
        Ok::<_, Error>((openings, list))
    }
    .await;
    match result {
        Ok((openings, list)) => {
            let title = market_label(m.as_str(), l);
            let main = format!(
                "<h1>{}</h1><section aria-labelledby=\"open-h\"><h2 id=\"open-h\">{}</h2>{}</section>{list}",
                esc(title),
                l.t("近期开标", "Next openings"),
                openings_table(&openings, l),
            );
            // The market is in the path; keep it out of the switch link's query.
            let mut sq = q.clone();
            sq.market = None;
            r.page(
                &headers,
                StatusCode::OK,
                title,
                &path,
                &switch_href(&path, &sq, l),
                &main,
            )
        }
        Err(e) => r.error(&headers, e.into()),
    }
}

/// Field names shown on the detail page, in both languages; others are shown by their key.
fn field_label(k: &str, l: Lang) -> String {
    let s = match k {
        "project_name" => l.t("项目名称", "Project"),
        "scope" => l.t("招标范围", "Scope"),
        "scale" => l.t("建设规模", "Scale"),
        "funding" => l.t("资金来源", "Funding"),
        "qualification_requirements" => l.t("资格要求", "Qualification requirements"),
        "consortium_accepted" => l.t("是否接受联合体", "Consortium accepted"),
        "documents_access" => l.t("招标文件获取", "Obtaining the documents"),
        "docs_available_at" => l.t("文件发售时间", "Documents available from"),
        "bid_deadline" => l.t("投标截止时间", "Bid deadline"),
        "opening_at" => l.t("开标时间", "Opening time"),
        "submission_method" => l.t("递交方式", "Submission method"),
        "tenderer_contact" => l.t("招标人联系方式", "Tenderer contact"),
        "platform_url" => l.t("发布平台", "Platform"),
        "change_summary" => l.t("变更内容", "Change summary"),
        "reason" => l.t("原因", "Reason"),
        "winner" => l.t("中标人", "Winner"),
        "price" => l.t("价格", "Price"),
        "opened_at" => l.t("开标时间", "Opened at"),
        "publicity_start_at" => l.t("公示开始", "Publicity starts"),
        "publicity_end_at" => l.t("公示结束", "Publicity ends"),
        "objection_method" => l.t("异议方式", "How to object"),
        "evaluation_summary" => l.t("评标情况", "Evaluation summary"),
        "parcel" => l.t("宗地", "Parcel"),
        "start_price" => l.t("起始价", "Starting price"),
        "trading_start_at" => l.t("交易开始时间", "Trading starts"),
        "subject" => l.t("转让标的", "Subject"),
        "floor_price" => l.t("转让底价", "Floor price"),
        "disclosure_end_at" => l.t("披露截止", "Disclosure ends"),
        _ => return k.to_string(),
    };
    s.to_string()
}

/// A structured value as text: instants in Beijing time, booleans as 是/否, arrays and objects
/// as compact JSON (all escaped by the caller).
fn field_text(v: &Value, l: Lang) -> String {
    match v {
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => when(t.with_timezone(&Utc)),
            Err(_) => s.clone(),
        },
        Value::Bool(b) => (if *b {
            l.t("是", "Yes")
        } else {
            l.t("否", "No")
        })
        .into(),
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Attachments as the service exposes them (`attachments` on the announcement, or in `fields`):
/// `[{name|filename, sha256, size?, url?}]`.
fn attachments_of(a: &Announcement) -> Vec<Value> {
    let top = serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get("attachments").cloned());
    top.or_else(|| a.fields.get("attachments").cloned())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// The body sits under the page's `<h1>` and the section's `<h2>`: its own `h1`/`h2` become `h3`
/// so the heading outline stays in order (WCAG 1.3.1).
fn demote_headings(html: &str) -> String {
    html.replace("<h1", "<h3")
        .replace("</h1>", "</h3>")
        .replace("<h2", "<h3")
        .replace("</h2>", "</h3>")
}

async fn detail_main(ctx: &Ctx, id: &str, l: Lang) -> Result<(String, String)> {
    let a = service::get(ctx, None, id).await?;
    let mut s = format!("<article><h1>{}</h1>", esc(&a.title));
    if let Some(at) = a.withdrawn_at {
        s.push_str(&format!(
            "<p class=\"notice\" role=\"note\">{} {}：{}</p>",
            l.t("本公告已于", "Withdrawn on"),
            when(at),
            esc(a.withdraw_reason.as_deref().unwrap_or(""))
        ));
    }
    s.push_str(&format!(
        "<dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><a href=\"/market/{}\">{}</a></dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        l.t("类型", "Type"),
        type_label(a.ann_type, l),
        l.t("市场", "Market"),
        esc(&a.market),
        market_label(&a.market, l),
        l.t("地区", "Region"),
        esc(&a.region),
        l.t("发布时间", "Published"),
        a.published_at.map(when).unwrap_or_default(),
        l.t("版本", "Version"),
        a.version,
    ));
    // The links between an announcement and its change notices (corrections never replace text).
    if let Some(o) = &a.original_id {
        let original = service::get(ctx, None, o).await.ok();
        s.push_str(&format!(
            "<p>{} <a href=\"/announcements/{}\">{}</a></p>",
            l.t("本公告变更：", "This notice amends:"),
            esc(o),
            esc(original.as_ref().map(|x| x.title.as_str()).unwrap_or(o))
        ));
    }
    s.push_str(&format!(
        "<section aria-labelledby=\"body-h\"><h2 id=\"body-h\">{}</h2><div class=\"body\">{}</div></section>",
        l.t("公告正文", "Text"),
        // Rendered from Markdown and sanitized (ammonia) by the publishing service when written.
        demote_headings(&a.body_html)
    ));
    if let Some(obj) = a.fields.as_object().filter(|o| !o.is_empty()) {
        s.push_str(&format!(
            "<section aria-labelledby=\"fields-h\"><h2 id=\"fields-h\">{}</h2><dl class=\"facts\">",
            l.t("公告要素", "Key facts")
        ));
        for (k, v) in obj.iter().filter(|(k, _)| k.as_str() != "attachments") {
            s.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                esc(&field_label(k, l)),
                esc(&field_text(v, l))
            ));
        }
        s.push_str("</dl></section>");
    }
    let atts = attachments_of(&a);
    s.push_str(&format!(
        "<section aria-labelledby=\"att-h\"><h2 id=\"att-h\">{}</h2>",
        l.t("附件", "Attachments")
    ));
    if atts.is_empty() {
        s.push_str(&format!("<p>{}</p>", l.t("无附件。", "None.")));
    } else {
        s.push_str("<ul>");
        for at in &atts {
            let name = at["name"]
                .as_str()
                .or(at["filename"].as_str())
                .unwrap_or("");
            // The public download route of the publishing API checks the SHA-256 before serving.
            let url = at["url"].as_str().map(str::to_string).or_else(|| {
                at["id"].as_str().map(|att| {
                    format!(
                        "/api/v1/announcements/{}/attachments/{}",
                        url_encode(&a.id),
                        url_encode(att)
                    )
                })
            });
            let label = match url {
                Some(u) => format!("<a href=\"{}\">{}</a>", esc(&u), esc(name)),
                None => esc(name).to_string(),
            };
            let size = at["size"]
                .as_i64()
                .map(|b| format!(" ({:.1} KB)", b as f64 / 1024.0))
                .unwrap_or_default();
            s.push_str(&format!(
                "<li>{label}{size} <small>SHA-256 <code>{}</code></small></li>",
                esc(at["sha256"].as_str().unwrap_or(""))
            ));
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
    if !a.changes.is_empty() {
        s.push_str(&format!(
            "<section aria-labelledby=\"chg-h\"><h2 id=\"chg-h\">{}</h2><ul>",
            l.t("变更/澄清公告", "Change notices")
        ));
        for c in &a.changes {
            let cur = service::get(ctx, None, c).await.ok();
            s.push_str(&format!(
                "<li><a href=\"/announcements/{}\">{}</a> {}</li>",
                esc(c),
                esc(cur.as_ref().map(|x| x.title.as_str()).unwrap_or(c)),
                cur.as_ref()
                    .and_then(|x| x.published_at)
                    .map(when)
                    .unwrap_or_default()
            ));
        }
        s.push_str("</ul></section>");
    }
    s.push_str(&format!(
        "<section aria-labelledby=\"ver-h\"><h2 id=\"ver-h\">{}</h2><table><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("版本记录", "Version history"),
        l.t("版本", "Version"),
        l.t("时间", "Time"),
        l.t("标题", "Title"),
    ));
    for v in &a.versions {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            v.version,
            when(v.at),
            esc(&v.title)
        ));
    }
    s.push_str("</tbody></table></section></article>");
    Ok((a.title, s))
}

/// `GET /announcements/{id}`: a published (or withdrawn) announcement; anything else is 404.
async fn detail_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Public: no role required; drafts are never shown here (service::get without an actor).
    let r = Reader::new(&q, &headers);
    match detail_main(&ctx, &id, r.lang).await {
        Ok((title, main)) => {
            let path = format!("/announcements/{id}");
            r.page(
                &headers,
                StatusCode::OK,
                &title,
                "",
                &switch_href(&path, &PortalQuery::default(), r.lang),
                &main,
            )
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
    fn body_headings_are_demoted_below_the_page_sections() {
        assert_eq!(
            demote_headings("<h1>a</h1><h2 id=\"x\">b</h2><h3>c</h3>"),
            "<h3>a</h3><h3 id=\"x\">b</h3><h3>c</h3>"
        );
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
