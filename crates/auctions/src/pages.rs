//! The bidder's land and property pages (`/bidder/auctions…`) on the ggzy-web frame: the listings
//! with the caller's application, bidder number and deposit; one listing with its quotes (挂牌报价),
//! the live online auction (网上拍卖 / 限时竞价) with the server's countdown and the extension (延时),
//! the result and, for the winner, the deal confirmation (成交确认书). Each page makes one call to
//! [`crate::workbench`] or the API's use case; the property market (产权) uses the same pages
//! with its own words (意向受让方, 挂牌价…). docs/web.md, "Land and property in the browser".

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::rules::Phase;
use crate::service::BidError;
use crate::workbench::{self, BidderAuction, ListItem, Standing};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::http::Path;
use ggzy_core::{Error, Money, Timestamp};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/bidder/auctions", get(list_page))
        .route("/bidder/auctions/{id}", get(auction_page))
        .route("/bidder/auctions/{id}/bids", post(quote))
        .route("/bidder/auctions/{id}/stream", get(stream))
}

/// The words of a market: land (土地使用权出让) or property (产权转让).
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub title: &'static str,
    pub bidder: &'static str,
    pub number: &'static str,
    pub application: &'static str,
    pub starting_price: &'static str,
    pub quote: &'static str,
    pub item: &'static str,
}

impl Words {
    pub fn of(market: &str, l: Lang) -> Words {
        if market == "property" {
            Words {
                title: l.t("产权转让挂牌", "Property rights listing"),
                bidder: l.t("意向受让方", "Intended transferee"),
                number: l.t("受让方竞价号", "Transferee number"),
                application: l.t("受让申请", "Application to acquire"),
                starting_price: l.t("挂牌价", "Listing price"),
                quote: l.t("报价", "Quote"),
                item: l.t("转让标的", "Item for transfer"),
            }
        } else {
            Words {
                title: l.t("土地使用权挂牌出让", "Land use rights listing"),
                bidder: l.t("竞买人", "Bidder"),
                number: l.t("竞买号", "Bidder number"),
                application: l.t("竞买申请", "Application to bid"),
                starting_price: l.t("起始价", "Starting price"),
                quote: l.t("报价", "Quote"),
                item: l.t("宗地", "Land parcel"),
            }
        }
    }
}

/// A phase's name for people.
pub fn phase_label(p: Phase, l: Lang) -> &'static str {
    match p {
        Phase::Listing => l.t("挂牌报价中", "Listing: quotes open"),
        Phase::Auction => l.t("网上拍卖（限时竞价）", "Online auction (timed bidding)"),
        Phase::OnsitePending => l.t("待现场竞价", "Awaiting the on-site auction"),
        Phase::PendingApproval => l.t("重新挂牌待批准", "Re-listing awaiting approval"),
        Phase::Deal => l.t("已成交", "Deal"),
        Phase::Failed => l.t("未成交", "No deal"),
    }
}

fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "land" => l.t("土地使用权", "Land use rights"),
        "property" => l.t("产权交易", "Property rights"),
        _ => l.t("其他", "Other"),
    }
}

fn standing_label(s: &Option<Standing>, l: Lang) -> &'static str {
    match s {
        None => l.t("未申请", "Not applied"),
        Some(s) if s.number.is_some() => l.t("已取得资格", "Qualified"),
        Some(s) if s.registered && !s.deposit_valid => {
            l.t("已报名，保证金未到账", "Registered; deposit not received")
        }
        Some(s) if s.registered => l.t("已报名，资格确认中", "Registered; being confirmed"),
        Some(_) => l.t("保证金已到账，未报名", "Deposit received; not registered"),
    }
}

fn yuan(m: &Money) -> String {
    fmt::money(m)
}

fn parse_time(s: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn yuan_str(s: &str) -> String {
    Money::parse_str(s)
        .map(|m| fmt::money(&m))
        .unwrap_or_else(|_| "—".into())
}

// --- the list

struct Row {
    id: String,
    name: String,
    market: &'static str,
    phase: &'static str,
    ends: String,
    starting_label: &'static str,
    starting: String,
    current: String,
    deposit: String,
    standing: &'static str,
    number_label: &'static str,
    number: Option<String>,
}

#[derive(Template)]
#[template(path = "bidder/auctions.html")]
struct ListPage {
    lang: Lang,
    rows: Vec<Row>,
}

/// `GET /bidder/auctions`: land and property listings with the caller's application (竞买申请),
/// its bidder number once qualified, and the deposit.
async fn list_page(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let l = a.chrome.lang;
    let items = workbench::listings(&ctx, &a.actor)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let rows = items
        .iter()
        .map(|i: &ListItem| {
            let w = Words::of(&i.market, l);
            Row {
                id: i.auction_id.clone(),
                name: i.name.clone(),
                market: market_label(&i.market, l),
                phase: phase_label(i.phase, l),
                ends: fmt::beijing_time_s(&i.ends_at),
                starting_label: w.starting_price,
                starting: yuan(&i.starting_price),
                current: i.current_price.as_ref().map(yuan).unwrap_or("—".into()),
                deposit: i.deposit.as_ref().map(yuan).unwrap_or("—".into()),
                standing: standing_label(&i.standing, l),
                number_label: w.number,
                number: i.standing.as_ref().and_then(|s| s.number.clone()),
            }
        })
        .collect();
    Ok(ggzy_web::page(
        &a.chrome,
        l.t("土地与产权交易", "Land and property"),
        &ListPage { lang: l, rows },
    ))
}

// --- one auction

struct BidRow {
    seq: i64,
    number: String,
    price: String,
    at: String,
    phase: &'static str,
    mine: bool,
}

struct DealRow {
    id: String,
    number: String,
    price: String,
    via: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "bidder/auction.html")]
struct AuctionPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    w: Words,
    id: String,
    name: String,
    market: &'static str,
    phase: String,
    phase_label: &'static str,
    /// Quotes or bids can be placed now (by the server clock).
    open: bool,
    listing_period: String,
    /// The listing period was checked with weekends only (a year without holiday schedule).
    period_provisional: bool,
    ends: String,
    ends_attr: String,
    time_left_secs: i64,
    extension_minutes: i64,
    starting: String,
    increment: String,
    increment_fen: i64,
    current: String,
    leader: Option<String>,
    reserve_set: bool,
    standing: &'static str,
    number: Option<String>,
    deposit: String,
    deposit_href: Option<String>,
    /// The workbench's sections of this market, where the application (报名) is made.
    apply_href: String,
    qualified: bool,
    /// A land bidder whose eligibility (竞买资格) staff have not confirmed yet: its quotes are refused.
    awaiting_eligibility: bool,
    next_min_label: String,
    bids: Vec<BidRow>,
    my_bids: Vec<BidRow>,
    form: FormState,
    outcome: Option<String>,
    deal: Option<DealRow>,
    /// The winner's land contract step (read-only).
    contract: Option<crate::staff_pages::ContractBlock>,
    stream: String,
    script: String,
}

fn via_label(v: &str, l: Lang) -> &'static str {
    match v {
        "listing" => l.t("挂牌成交", "at the listing"),
        "auction" => l.t("网上拍卖成交", "at the online auction"),
        "onsite" => l.t("现场竞价成交", "at the on-site auction"),
        _ => l.t("其他", "other"),
    }
}

fn outcome_label(o: &str, l: Lang) -> &'static str {
    match o {
        "no_quote" => l.t("挂牌期内无人报价", "nobody quoted during the listing"),
        "reserve_not_met" => l.t(
            "最高价未达到保留价",
            "the highest price stayed below the reserve",
        ),
        "onsite_failed" => l.t("现场竞价未成交", "the on-site auction ended without a deal"),
        _ => "",
    }
}

fn render_auction(
    a: &PageActor,
    status: StatusCode,
    b: &BidderAuction,
    form: FormState,
    contract: Option<crate::staff_pages::ContractBlock>,
) -> Response {
    let l = a.chrome.lang;
    let v = &b.view;
    let w = Words::of(&v.market, l);
    let ends = parse_time(&v.ends_at).unwrap_or(b.now);
    let start = parse_time(&v.listing_start).unwrap_or(b.now);
    let open = match v.phase {
        Phase::Listing => b.now >= start && b.now < ends,
        Phase::Auction => {
            v.auction_start
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|s| b.now >= s)
                && b.now < ends
        }
        _ => false,
    };
    let my = v.my_number.clone();
    let row = |x: &crate::service::BidView| BidRow {
        seq: x.seq,
        number: x.number.clone(),
        price: yuan_str(&x.price),
        at: parse_time(&x.at)
            .map(|t| fmt::beijing_time_s(&t))
            .unwrap_or_default(),
        phase: if x.phase == "auction" {
            l.t("竞价", "auction")
        } else {
            l.t("挂牌", "listing")
        },
        mine: my.as_deref() == Some(x.number.as_str()),
    };
    let mut bids: Vec<BidRow> = v.bids.iter().map(row).collect();
    bids.reverse();
    let my_bids = v
        .bids
        .iter()
        .filter(|x| my.as_deref() == Some(x.number.as_str()))
        .map(row)
        .collect();
    let form = if form.value("price").is_empty() {
        form.with_values([("price", b.next_min.to_string())])
    } else {
        form
    };
    let page = AuctionPage {
        c: &a.chrome,
        lang: l,
        w,
        id: v.id.clone(),
        name: b.name.clone(),
        market: market_label(&v.market, l),
        phase: v.phase.to_string(),
        phase_label: phase_label(v.phase, l),
        open,
        listing_period: format!(
            "{} — {}",
            fmt::beijing_time(&start),
            parse_time(&v.listing_end)
                .map(|t| fmt::beijing_time(&t))
                .unwrap_or_default()
        ),
        period_provisional: v.periods_provisional,
        ends: fmt::beijing_time_s(&ends),
        ends_attr: fmt::datetime_attr(&ends),
        time_left_secs: v.time_left_secs,
        extension_minutes: v.extension_minutes,
        starting: yuan_str(&v.starting_price),
        increment: yuan_str(&v.increment),
        increment_fen: Money::parse_str(&v.increment).map(|m| m.fen()).unwrap_or(0),
        current: v
            .current_price
            .as_deref()
            .map(yuan_str)
            .unwrap_or_else(|| "—".into()),
        leader: v.leader_number.clone(),
        reserve_set: v.reserve_set,
        standing: standing_label(&b.standing, l),
        number: my.clone(),
        deposit: b.deposit.as_ref().map(yuan).unwrap_or_else(|| "—".into()),
        // The deposit page of the bidder's workbench (crates/deposits, by section).
        deposit_href: b
            .standing
            .as_ref()
            .filter(|s| s.registered)
            .map(|_| format!("/bidder/sections/{}/deposit", v.section_id)),
        apply_href: format!("/bidder?market={}", v.market),
        qualified: my.is_some(),
        awaiting_eligibility: v.land.as_ref().is_some_and(|t| {
            t.eligibility_review && my.as_ref().is_some_and(|n| !t.eligible_numbers.contains(n))
        }),
        next_min_label: yuan(&b.next_min),
        bids,
        my_bids,
        form,
        outcome: v
            .outcome
            .as_deref()
            .map(|o| outcome_label(o, l).to_string())
            .filter(|o| !o.is_empty()),
        deal: b.deal.as_ref().map(|d| DealRow {
            id: d.id.clone(),
            number: d.winner_number.clone(),
            price: yuan(&d.price),
            via: via_label(&d.via, l),
            at: fmt::beijing_time_s(&d.confirmed_at),
        }),
        contract,
        stream: format!("/bidder/auctions/{}/stream", v.id),
        script: ggzy_web::assets::href("auction.js"),
    };
    ggzy_web::frame::page_status(&a.chrome, status, w.title, &page)
}

/// `GET /bidder/auctions/{id}`: the listing or auction as its bidder sees it.
async fn auction_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let b = workbench::bidder_auction(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let k = winner_contract(&ctx, &a, &b).await?;
    Ok(render_auction(&a, StatusCode::OK, &b, FormState::new(), k))
}

/// The land contract step when this bidder won the land deal (`land_contract::view`, the use case
/// of `GET /api/v1/auctions/{id}/contract`); nothing for anyone else.
async fn winner_contract(
    ctx: &Ctx,
    a: &PageActor,
    b: &BidderAuction,
) -> Result<Option<crate::staff_pages::ContractBlock>, Response> {
    crate::staff_pages::contract_block(
        ctx,
        &a.actor,
        &b.view,
        a.chrome.lang,
        FormState::new(),
        FormState::new(),
    )
    .await
    .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))
}

#[derive(Debug, Deserialize)]
struct QuoteForm {
    #[serde(default)]
    price: String,
}

/// `POST /bidder/auctions/{id}/bids` (CSRF-checked): a quote (listing) or bid (auction) through
/// the same use case as `POST /api/v1/auctions/{id}/bids`; a refusal is shown next to the price
/// (or at the top, for a state conflict) with its rule id, and nothing changes.
async fn quote(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<QuoteForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    let price = f.form.price.trim().to_string();
    let err = match crate::service::bid(&ctx, &a.actor, &id, &price).await {
        Ok(_) => {
            return Ok(ggzy_web::frame::see_other(&format!(
                "/bidder/auctions/{id}#my-quotes"
            )))
        }
        Err(BidError::Error(e)) => e,
        Err(BidError::Outbid { current_price }) => Error::conflict(
            "auctions.outbid",
            format!(
                "another bid was accepted first; the current price is {}",
                current_price.as_deref().unwrap_or("none")
            ),
        ),
    };
    let b = workbench::bidder_auction(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let form = FormState::from_error(&err).with_values([("price", price)]);
    let k = winner_contract(&ctx, &a, &b).await?;
    Ok(render_auction(&a, err.status(), &b, form, k))
}

/// `GET /bidder/auctions/{id}/stream`: the auction's live feed (the API's SSE events) for the
/// page's script, signed in by the page session.
async fn stream(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    crate::http::follow(ctx, &a.actor, &id, &headers)
        .await
        .map_err(|e| e.into_response())
}
