//! Centre staff's land and property pages (`/staff/auctions`): every listing (挂牌) with its phase,
//! price and end, and one listing's page where staff record the result of an on-site auction
//! (现场竞价) through `service::onsite_result` — the API's use case
//! (`POST /api/v1/auctions/{id}/onsite-result`), its refusals shown next to the fields with the
//! rule id. Bidders appear by bidder number (竞买号) only.

use crate::rules::Phase;
use crate::service::{self, AuctionView, OnsiteResult};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

const STAFF: &[Role] = &[Role::Staff, Role::Admin];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/auctions", get(list))
        .route("/staff/auctions/{id}", get(one).post(record))
        .route(
            "/staff/auctions/{id}/eligibility",
            axum::routing::post(confirm_eligibility),
        )
        .route(
            "/staff/auctions/{id}/contract/sign",
            axum::routing::post(sign_contract),
        )
        .route(
            "/staff/auctions/{id}/contract/payments",
            axum::routing::post(record_payment),
        )
        .route("/tenderer/auctions/{id}", get(transferor_one))
}

fn phase_label(p: Phase, l: Lang) -> &'static str {
    match p {
        Phase::Listing => l.t("挂牌中", "listing"),
        Phase::Auction => l.t("网上竞价中", "online auction"),
        Phase::OnsitePending => l.t("待现场竞价", "on-site auction pending"),
        Phase::PendingApproval => l.t("重新挂牌待批准", "re-listing awaiting approval"),
        Phase::Deal => l.t("已成交", "deal"),
        Phase::Failed => l.t("未成交（流拍）", "failed"),
    }
}

fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "land" => l.t("土地使用权和矿业权", "Land and mining rights"),
        "property" => l.t("国有产权", "State-owned property rights"),
        _ => l.t("其他", "other"),
    }
}

/// An RFC 3339 instant of the view in Beijing time, as the frame formats it.
fn local(s: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| ggzy_web::fmt::beijing_time(&t.with_timezone(&chrono::Utc)))
        .unwrap_or_default()
}

/// A decimal string of the view as 元 with thousands separators.
fn yuan(s: &str) -> String {
    ggzy_core::Money::parse_str(s)
        .map(|m| ggzy_web::fmt::money(&m))
        .unwrap_or_default()
}

struct Line {
    id: String,
    name: String,
    market: &'static str,
    phase: &'static str,
    round: i64,
    ends: String,
    price: String,
    leader: String,
    onsite: bool,
    /// The listing period was checked with weekends only (a year without holiday schedule).
    provisional: bool,
}

impl Line {
    fn of(name: &str, v: &AuctionView, l: Lang) -> Line {
        Line {
            id: v.id.clone(),
            name: name.to_string(),
            market: market_label(&v.market, l),
            phase: phase_label(v.phase, l),
            round: v.round,
            ends: local(&v.ends_at),
            price: yuan(v.current_price.as_deref().unwrap_or(&v.starting_price)),
            leader: v.leader_number.clone().unwrap_or_default(),
            onsite: v.final_auction == "onsite",
            provisional: v.periods_provisional,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/auctions.html")]
struct ListPage {
    l: Lang,
    lines: Vec<Line>,
}

/// Every listing (one call: `service::list_listings`).
async fn list(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    match service::list_listings(&ctx, &a.actor).await {
        Ok(v) => {
            let p = ListPage {
                l,
                lines: v.iter().map(|x| Line::of(&x.name, &x.view, l)).collect(),
            };
            page_status(
                c,
                StatusCode::OK,
                l.t("挂牌与拍卖", "Listings and auctions"),
                &p,
            )
        }
        Err(e) => frame::error_page(c, &e),
    }
}

struct BidLine {
    number: String,
    price: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff/auction.html")]
struct OnePage<'a> {
    c: &'a Chrome,
    l: Lang,
    line: Line,
    starting: String,
    increment: String,
    reserve: String,
    bids: Vec<BidLine>,
    onsite_room: String,
    onsite_time: String,
    pending: bool,
    outcome: String,
    form: FormState,
    results: Vec<(String, String)>,
    /// Land: the numbered bidders with their eligibility (竞买资格确认), while it can be confirmed.
    eligibility: Option<Vec<EligibilityLine>>,
    elig_form: FormState,
    /// The list this page belongs to (`None` for the transferor, who has no list page).
    back: Option<&'static str>,
    /// A land deal's contract step (出让合同), with staff's forms.
    contract: Option<ContractBlock>,
}

/// A land deal's contract step (国有建设用地使用权出让合同, 国土资发〔2010〕34号) as the staff page and
/// the winner's page show it: the due days, the payments and what is overdue; staff also get the
/// signing and the payment forms (`land_contract::sign`, `land_contract::pay`).
pub(crate) struct ContractBlock {
    pub l: Lang,
    pub id: String,
    pub price: String,
    pub sign_due: String,
    pub contract_no: String,
    pub signed_on: String,
    pub first_due: String,
    pub first_minimum: String,
    pub final_due: String,
    pub paid: String,
    pub remaining: String,
    pub payments: Vec<(String, String)>,
    pub overdue: Vec<&'static str>,
    /// Staff, not signed yet.
    pub can_sign: bool,
    /// Staff, signed, something left to pay.
    pub can_pay: bool,
    pub sign_form: FormState,
    pub pay_form: FormState,
}

fn step_label(s: &str, l: Lang) -> &'static str {
    match s {
        "signing" => l.t("逾期未签订出让合同", "the contract was not signed in time"),
        "first_payment" => l.t(
            "签约后一个月内未缴纳50%出让价款",
            "50 % of the price was not paid within a month of signing",
        ),
        "final_payment" => l.t(
            "签约后一年内未缴清出让价款",
            "the price was not paid in full within a year of signing",
        ),
        _ => l.t("其他", "other"),
    }
}

/// The contract block of a land deal's page, or `None` when the deal opened none (a mining or a
/// property deal) or `actor` may not see it (another bidder, the transferor).
pub(crate) async fn contract_block(
    ctx: &Ctx,
    actor: &ggzy_identity::Actor,
    v: &AuctionView,
    l: Lang,
    sign_form: FormState,
    pay_form: FormState,
) -> Result<Option<ContractBlock>, ggzy_core::Error> {
    use ggzy_core::Error;
    if v.phase != Phase::Deal || v.market != "land" {
        return Ok(None);
    }
    let k = match crate::land_contract::view(ctx, actor, &v.id).await {
        Ok(k) => k,
        Err(Error::NotFound(..) | Error::Forbidden(..)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let staff = STAFF.contains(&actor.role);
    let date = |d: &Option<String>| d.clone().unwrap_or_else(|| "—".into());
    Ok(Some(ContractBlock {
        l,
        id: v.id.clone(),
        price: yuan(&k.price),
        sign_due: k.sign_due_date.clone(),
        contract_no: date(&k.contract_no),
        signed_on: date(&k.signed_on),
        first_due: date(&k.first_due_date),
        first_minimum: yuan(&k.first_minimum),
        final_due: date(&k.final_due_date),
        paid: yuan(&k.paid),
        remaining: yuan(&k.remaining),
        payments: k
            .payments
            .iter()
            .map(|p| (p.paid_on.clone(), yuan(&p.amount)))
            .collect(),
        overdue: k.overdue.iter().map(|s| step_label(s, l)).collect(),
        can_sign: staff && k.signed_on.is_none(),
        can_pay: staff && k.signed_on.is_some() && k.remaining != "0.00",
        sign_form,
        pay_form,
    }))
}

struct EligibilityLine {
    number: String,
    org_id: String,
    confirmed: bool,
}

async fn render(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
) -> Response {
    render_with(ctx, a, id, status, form, FormState::new()).await
}

async fn render_with(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
    elig_form: FormState,
) -> Response {
    render_all(
        ctx,
        a,
        id,
        status,
        [form, elig_form, FormState::new(), FormState::new()],
    )
    .await
}

/// The page with its four forms' states: the on-site result, the eligibility, the contract's
/// signing and its payment.
async fn render_all(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    forms: [FormState; 4],
) -> Response {
    let [form, elig_form, sign_form, pay_form] = forms;
    let c = &a.chrome;
    let l = c.lang;
    let v = match service::view(ctx, &a.actor, id).await {
        Ok(v) => v,
        Err(e) => return frame::error_page(c, &e),
    };
    let staff = STAFF.contains(&a.actor.role);
    let reviewing = staff
        && v.land.as_ref().is_some_and(|t| t.eligibility_review)
        && (v.phase == Phase::Listing || v.phase == Phase::Auction);
    let eligibility = if reviewing {
        let eligible = v
            .land
            .as_ref()
            .map(|t| t.eligible_numbers.clone())
            .unwrap_or_default();
        match service::section_bidders(ctx, &a.actor, &v.section_id).await {
            Ok(list) => Some(
                list.into_iter()
                    .filter_map(|b| {
                        let n = b.number?;
                        Some(EligibilityLine {
                            confirmed: eligible.contains(&n),
                            number: n,
                            org_id: b.org_id,
                        })
                    })
                    .collect(),
            ),
            Err(e) => return frame::error_page(c, &e),
        }
    } else {
        None
    };
    let contract = match contract_block(ctx, &a.actor, &v, l, sign_form, pay_form).await {
        Ok(k) => k,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = OnePage {
        c,
        l,
        line: Line::of(&v.section_id, &v, l),
        starting: yuan(&v.starting_price),
        increment: yuan(&v.increment),
        reserve: v.reserve_price.as_deref().map(yuan).unwrap_or_default(),
        bids: v
            .bids
            .iter()
            .map(|b| BidLine {
                number: b.number.clone(),
                price: yuan(&b.price),
                at: local(&b.at),
            })
            .collect(),
        onsite_room: v
            .onsite
            .as_ref()
            .map(|o| o.room_name.clone().unwrap_or_else(|| o.room_id.clone()))
            .unwrap_or_default(),
        onsite_time: v
            .onsite
            .as_ref()
            .map(|o| format!("{} – {}", local(&o.start), local(&o.end)))
            .unwrap_or_default(),
        pending: staff && v.phase == Phase::OnsitePending,
        outcome: v.outcome.clone().unwrap_or_default(),
        form,
        results: vec![
            ("deal".into(), l.t("成交", "Deal").into()),
            ("failed".into(), l.t("未成交（流拍）", "Failed").into()),
        ],
        eligibility,
        elig_form,
        back: Some(if staff {
            "/staff/auctions"
        } else {
            "/tenderer/auctions"
        }),
        contract,
    };
    page_status(c, status, l.t("挂牌与拍卖", "Listing"), &p)
}

async fn one(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    render(
        &ctx,
        &a,
        &id,
        StatusCode::OK,
        FormState::new().with_values([("result", "deal")]),
    )
    .await
}

#[derive(Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    result: String,
    #[serde(default)]
    winner_number: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    reason: String,
}

/// Record the on-site auction's result: `service::onsite_result`.
async fn record(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<ResultForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let x = f.form;
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = OnsiteResult {
        result: opt(&x.result),
        winner_number: opt(&x.winner_number),
        price: opt(&x.price),
        reason: opt(&x.reason),
    };
    match service::onsite_result(&ctx, &a.actor, &id, input).await {
        Ok(_) => see_other(&format!("/staff/auctions/{id}")),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([
                ("result", x.result),
                ("winner_number", x.winner_number),
                ("price", x.price),
                ("reason", x.reason),
            ]);
            render(&ctx, &a, &id, e.status(), form).await
        }
    }
}

#[derive(Deserialize)]
pub struct EligibilityForm {
    #[serde(default)]
    org_id: String,
}

/// Confirm a land bidder's eligibility (竞买资格确认) before it quotes: `land::confirm`, the use
/// case of `POST /api/v1/auctions/{id}/eligibility`.
async fn confirm_eligibility(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<EligibilityForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let input = crate::land::ConfirmEligibility {
        org_id: f.form.org_id.trim().to_string(),
    };
    match crate::land::confirm(&ctx, &a.actor, &id, input).await {
        Ok(_) => see_other(&format!("/staff/auctions/{id}#eligibility")),
        Err(e) => {
            let form = FormState::from_error(&e);
            render_with(&ctx, &a, &id, e.status(), FormState::new(), form).await
        }
    }
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    contract_no: String,
    #[serde(default)]
    signed_on: String,
}

/// A form's date (`YYYY-MM-DD`, as `<input type="date">` sends it), or the rule's field error.
fn form_date(v: &str, field: &str, rule: &str) -> Result<chrono::NaiveDate, ggzy_core::FieldError> {
    chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        ggzy_core::FieldError::new(field, rule, "a date such as 2026-04-17 (YYYY-MM-DD)")
    })
}

/// Record the signed land contract: `land_contract::sign`, the use case of
/// `POST /api/v1/auctions/{id}/contract/sign`.
async fn sign_contract(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<SignForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let x = f.form;
    let result = match form_date(
        &x.signed_on,
        "signed_on",
        "auctions.land_contract_signed_on",
    ) {
        Ok(signed_on) => {
            let input = crate::land_contract::SignContract {
                contract_no: x.contract_no.clone(),
                signed_on,
            };
            crate::land_contract::sign(&ctx, &a.actor, &id, input).await
        }
        Err(e) => Err(ggzy_core::Error::Validation(vec![e])),
    };
    match result {
        Ok(_) => see_other(&format!("/staff/auctions/{id}#contract")),
        Err(e) => {
            let form = FormState::from_error(&e)
                .with_values([("contract_no", x.contract_no), ("signed_on", x.signed_on)]);
            let forms = [FormState::new(), FormState::new(), form, FormState::new()];
            render_all(&ctx, &a, &id, e.status(), forms).await
        }
    }
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
}

/// Record a payment of the land price: `land_contract::pay`, the use case of
/// `POST /api/v1/auctions/{id}/contract/payments`.
async fn record_payment(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<PaymentForm>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let x = f.form;
    let result = match form_date(&x.paid_on, "paid_on", "auctions.land_payment_date") {
        Ok(paid_on) => {
            let input = crate::land_contract::NewPayment {
                amount: x.amount.trim().to_string(),
                paid_on,
            };
            crate::land_contract::pay(&ctx, &a.actor, &id, input).await
        }
        Err(e) => Err(ggzy_core::Error::Validation(vec![e])),
    };
    match result {
        Ok(_) => see_other(&format!("/staff/auctions/{id}#contract")),
        Err(e) => {
            let form = FormState::from_error(&e)
                .with_values([("amount", x.amount), ("paid_on", x.paid_on)]);
            let forms = [FormState::new(), FormState::new(), FormState::new(), form];
            render_all(&ctx, &a, &id, e.status(), forms).await
        }
    }
}

/// The transferor (转让方 — e.g. of an asset transfer, 企业资产转让) follows its own listing: the
/// same page, read-only, through `service::view` (which admits the organization that registered
/// the project and answers 404 to any other; bidders by number only).
async fn transferor_one(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(&[Role::Tenderer, Role::Agency]) {
        return r;
    }
    render(&ctx, &a, &id, StatusCode::OK, FormState::new()).await
}
