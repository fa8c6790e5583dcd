//! The enterprise's (tenderer-side organization's) own land and property pages, beside
//! [`crate::capital_pages`] and the transferor's listing page of [`crate::staff_pages`]:
//! - `GET /tenderer/auctions`: the listings (挂牌) of the sections the organization registered
//!   (转让方), each linking to `/tenderer/auctions/{id}`, and the way to its capital increases;
//! - `GET|POST /tenderer/capital-increases/new`: the enterprise (增资企业) opens the capital
//!   increase (企业增资) of one of its `capital_increase` sections — disclosure period, amount
//!   sought, selection method and the disclosed criteria — through
//!   [`capital_increase::create`], the use case of `POST /api/v1/capital-increases`. Refusals are
//!   shown next to their fields with the API's rule ids (GOV.UK pattern); nothing is created.
//!
//! Reads only this area's tables (`auction_sections.owner_org_id`, `auctions`,
//! `capital_increases`).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::capital_increase::{self, Criterion, NewCapitalIncrease};
use crate::rules::Phase;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike, Utc};
use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::{Error, FieldError, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{fmt, Chrome, CsrfForm, FormState, Lang, PageActor};
use std::collections::HashMap;

const ENTERPRISE: &[Role] = &[Role::Tenderer, Role::Agency];

/// Rows of disclosed criteria the form offers (the API takes up to 20; blank trailing rows are
/// left out).
const CRITERIA_ROWS: usize = 5;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/tenderer/auctions", get(listings))
        .route("/tenderer/capital-increases/new", get(new_form).post(open))
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// A `datetime-local` value (`2026-03-02T09:00`, seconds optional) read as Beijing time.
fn parse_beijing(s: &str) -> Option<DateTime<FixedOffset>> {
    let n = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    n.and_local_timezone(beijing()).single()
}

/// The first whole Beijing minute at or after `t`, as a `datetime-local` value (the disclosure
/// may not start before the announcement).
fn minute_at_or_after(t: DateTime<Utc>) -> String {
    let t = t.with_timezone(&beijing());
    let whole = t
        .with_second(0)
        .and_then(|x| x.with_nanosecond(0))
        .unwrap_or(t);
    let t = if whole < t {
        whole + chrono::Duration::minutes(1)
    } else {
        whole
    };
    t.format("%Y-%m-%dT%H:%M").to_string()
}

// ------------------------------------------------------------------ the enterprise's sections

/// A `capital_increase` section of the caller's organization that has no capital increase yet.
#[derive(sqlx::FromRow)]
pub struct OpenableSection {
    pub section_id: String,
    pub name: String,
    /// When its disclosure announcement (增资公告) was published; `None` before.
    #[sqlx(try_from = "MaybeAt")]
    pub announced_at: Option<DateTime<Utc>>,
}

/// The caller's organization's `capital_increase` sections without a capital increase.
pub async fn openable_sections(ctx: &Ctx, actor: &Actor) -> Result<Vec<OpenableSection>> {
    actor.require(ENTERPRISE)?;
    let org = actor.org_id.clone().unwrap_or_default();
    crate::store::capital::openable_sections(&ctx.db, &org).await
}

/// One listing of the transferor (转让方) in its list.
#[derive(sqlx::FromRow)]
pub struct OwnListing {
    pub id: String,
    pub name: String,
    pub market: String,
    pub phase: Phase,
    #[sqlx(try_from = "At")]
    pub ends_at: DateTime<Utc>,
}

/// The listings of the sections the caller's organization registered, newest end first.
pub async fn own_listings(ctx: &Ctx, actor: &Actor) -> Result<Vec<OwnListing>> {
    actor.require(ENTERPRISE)?;
    let org = actor.org_id.clone().unwrap_or_default();
    crate::store::auctions::owned_listings(&ctx.db, &org).await
}

// ------------------------------------------------------------------ GET /tenderer/auctions

struct ListingRow {
    id: String,
    name: String,
    market: &'static str,
    phase: &'static str,
    ends: String,
}

#[derive(Template)]
#[template(path = "enterprise/listings.html")]
struct ListingsPage {
    l: Lang,
    rows: Vec<ListingRow>,
}

fn phase_label(p: Phase, l: Lang) -> &'static str {
    match p {
        Phase::Listing => l.t("挂牌中", "Listing"),
        Phase::Auction => l.t("网上竞价中", "Online auction"),
        Phase::OnsitePending => l.t("待现场竞价", "On-site auction pending"),
        Phase::PendingApproval => l.t("重新挂牌待批准", "Re-listing awaiting approval"),
        Phase::Deal => l.t("已成交", "Deal"),
        Phase::Failed => l.t("未成交", "Failed"),
    }
}

async fn listings(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(ENTERPRISE)?;
    let l = a.chrome.lang;
    let rows = own_listings(&ctx, &a.actor)
        .await
        .map_err(|e| frame::error_page(&a.chrome, &e))?
        .into_iter()
        .map(|x| ListingRow {
            name: if x.name.is_empty() {
                x.id.clone()
            } else {
                x.name
            },
            id: x.id,
            market: match x.market.as_str() {
                "land" => l.t("土地使用权", "Land use rights"),
                "property" => l.t("国有产权", "State-owned property"),
                _ => l.t("其他", "Other"),
            },
            phase: phase_label(x.phase, l),
            ends: fmt::beijing_time(&x.ends_at),
        })
        .collect();
    Ok(page_status(
        &a.chrome,
        StatusCode::OK,
        l.t("本单位的挂牌项目", "Our listings"),
        &ListingsPage { l, rows },
    ))
}

// ------------------------------------------------------------------ open a capital increase

struct CriterionRow {
    name: String,
    weight: String,
}

#[derive(Template)]
#[template(path = "enterprise/capital_new.html")]
struct NewPage<'a> {
    c: &'a Chrome,
    l: Lang,
    form: FormState,
    sections: Vec<(String, String)>,
    rows: Vec<CriterionRow>,
    methods: Vec<(String, String)>,
}

async fn render(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    mut form: FormState,
) -> Result<Response, Response> {
    let c = &a.chrome;
    let l = c.lang;
    let list = openable_sections(ctx, &a.actor)
        .await
        .map_err(|e| frame::error_page(c, &e))?;
    let mut sections = vec![(String::new(), l.t("请选择", "Choose a section").to_string())];
    for s in &list {
        let label = if s.announced_at.is_some() {
            s.name.clone()
        } else {
            format!(
                "{}{}",
                s.name,
                l.t(
                    "（增资公告尚未发布）",
                    " (disclosure announcement not published yet)"
                )
            )
        };
        sections.push((s.section_id.clone(), label));
    }
    // A first visit proposes the only section and its announcement's time as the start.
    if form.is_ok() && form.value("section_id").is_empty() && list.len() == 1 {
        let s = &list[0];
        let mut v = vec![("section_id".to_string(), s.section_id.clone())];
        if let Some(t) = s.announced_at {
            v.push(("disclosure_start".to_string(), minute_at_or_after(t)));
        }
        form = form.with_values(v);
    }
    let rows = (0..CRITERIA_ROWS)
        .map(|i| CriterionRow {
            name: format!("criteria[{i}].name"),
            weight: format!("criteria[{i}].weight"),
        })
        .collect();
    let methods = vec![
        (String::new(), l.t("请选择", "Choose").to_string()),
        (
            "comprehensive_evaluation".to_string(),
            l.t("综合评议", "Comprehensive evaluation").to_string(),
        ),
        (
            "competitive_negotiation".to_string(),
            l.t("竞争性谈判", "Competitive negotiation").to_string(),
        ),
    ];
    let page = NewPage {
        c,
        l,
        form,
        sections,
        rows,
        methods,
    };
    Ok(page_status(
        c,
        status,
        l.t("发起企业增资", "Open a capital increase"),
        &page,
    ))
}

async fn new_form(State(ctx): State<Ctx>, a: PageActor) -> Result<Response, Response> {
    a.require(ENTERPRISE)?;
    render(&ctx, &a, StatusCode::OK, FormState::new()).await
}

/// The form as the API's [`NewCapitalIncrease`], or the fields that cannot even be read (named
/// with the API's rule ids for the same JSON: `required`, `date.format`, `capital.criteria_weight`).
pub fn read_form(
    form: &HashMap<String, String>,
) -> std::result::Result<NewCapitalIncrease, Vec<FieldError>> {
    let get = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut bad = Vec::new();
    let section_id = get("section_id");
    if section_id.is_empty() {
        bad.push(FieldError::new(
            "section_id",
            "required",
            "choose the section whose capital increase is opened",
        ));
    }
    let mut when = |field: &str| {
        let t = parse_beijing(&get(field));
        if t.is_none() {
            bad.push(FieldError::new(
                field,
                "date.format",
                "a Beijing time, YYYY-MM-DDTHH:MM",
            ));
        }
        t
    };
    let start = when("disclosure_start");
    let end = when("disclosure_end");
    // Rows up to the last one with anything typed; a blank row in between stays (and is refused
    // by the use case with its index, as the API would).
    let last = (0..CRITERIA_ROWS).rev().find(|i| {
        !get(&format!("criteria[{i}].name")).is_empty()
            || !get(&format!("criteria[{i}].weight")).is_empty()
    });
    let mut criteria = Vec::new();
    for i in 0..last.map_or(0, |k| k + 1) {
        let w = get(&format!("criteria[{i}].weight"));
        // A blank weight is 0, which the use case refuses with the row's index like any other
        // out-of-range weight; only a value that is not a whole number is named here.
        let weight = match w.parse::<i64>() {
            Ok(n) => n,
            Err(_) if w.is_empty() => 0,
            Err(_) => {
                bad.push(FieldError::new(
                    format!("criteria[{i}].weight"),
                    "capital.criteria_weight",
                    "whole points between 1 and 100",
                ));
                0
            }
        };
        criteria.push(Criterion {
            name: get(&format!("criteria[{i}].name")),
            weight,
        });
    }
    // Blank: one investor (the default); anything else must be a whole number.
    let sought = get("investors_sought");
    let investors_sought = match sought.parse::<i64>() {
        _ if sought.is_empty() => None,
        Ok(n) => Some(n),
        Err(_) => {
            bad.push(FieldError::new(
                "investors_sought",
                "capital.investors_sought",
                "拟征集投资方数量: a whole number of investors",
            ));
            None
        }
    };
    let minimum = get("amount_minimum");
    match (start, end, bad.is_empty()) {
        (Some(disclosure_start), Some(disclosure_end), true) => Ok(NewCapitalIncrease {
            section_id,
            disclosure_start,
            disclosure_end,
            amount_sought: get("amount_sought"),
            method: get("method"),
            criteria,
            investors_sought,
            amount_minimum: (!minimum.is_empty()).then_some(minimum),
        }),
        _ => Err(bad),
    }
}

/// `POST /tenderer/capital-increases/new` → [`capital_increase::create`]; 303 to the new
/// capital increase's page, or the form again with every refusal next to its field.
async fn open(
    State(ctx): State<Ctx>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ENTERPRISE)?;
    let result = match read_form(&f.form) {
        Ok(n) => capital_increase::create(&ctx, &a.actor, n).await,
        Err(bad) => Err(Error::Validation(bad)),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/tenderer/capital-increases/{}", v.id))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(f.form.clone());
            render(&ctx, &a, e.status(), form).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_is_read_as_the_api_input_or_names_what_cannot_be_read() {
        let ok = read_form(&form(&[
            ("section_id", "s1"),
            ("disclosure_start", "2026-03-02T09:00"),
            ("disclosure_end", "2026-04-29T00:00"),
            ("amount_sought", "50000000.00"),
            ("method", "comprehensive_evaluation"),
            ("criteria[0].name", "投资金额"),
            ("criteria[0].weight", "60"),
            ("criteria[1].name", "产业协同"),
            ("criteria[1].weight", "40"),
            ("criteria[2].name", ""),
        ]))
        .unwrap();
        assert_eq!(ok.criteria.len(), 2);
        assert_eq!(
            ok.disclosure_start.to_rfc3339(),
            "2026-03-02T09:00:00+08:00"
        );
        let bad = read_form(&form(&[
            ("disclosure_start", "2026年3月2日"),
            ("disclosure_end", "2026-04-29T00:00"),
            ("criteria[1].weight", "sixty"),
        ]))
        .unwrap_err();
        let rules: Vec<(&str, &str)> = bad
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            rules,
            [
                ("section_id", "required"),
                ("disclosure_start", "date.format"),
                ("criteria[1].weight", "capital.criteria_weight"),
            ]
        );
    }

    #[test]
    fn the_proposed_start_is_the_first_whole_minute_not_before_the_announcement() {
        let t = DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(minute_at_or_after(t), "2026-03-02T09:00");
        let t = t + chrono::Duration::milliseconds(1);
        assert_eq!(minute_at_or_after(t), "2026-03-02T09:01");
    }
}
