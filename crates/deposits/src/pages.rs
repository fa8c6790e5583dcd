//! The bidder's deposit page (保证金, `/bidder/sections/{id}/deposit`) on the ggzy-web frame: the
//! virtual sub-account to pay into, the amount, the state with dates and interest, and the
//! electronic guarantee (电子保函) as the alternative. One use-case call per page or form
//! ([`crate::bidder::my_deposit`]; `service::open_account` and `guarantees::record`, the API's).

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::bidder::{DepositStage, MyDeposit};
use crate::guarantees::NewGuarantee;
use crate::rules::{GuaranteeKind, GuaranteeStatus};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::error::Violations;
use ggzy_core::http::Path;
use ggzy_core::{FieldError, Money};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/bidder/sections/{id}/deposit", get(deposit_page))
        .route("/bidder/sections/{id}/deposit/account", post(open_account))
        .route("/bidder/sections/{id}/deposit/guarantee", post(guarantee))
}

#[derive(Template)]
#[template(path = "bidder/deposit.html")]
struct DepositPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    d: &'a MyDeposit,
    form: FormState,
    notice: &'a str,
    kinds: Vec<(String, String)>,
}

impl DepositPage<'_> {
    fn money(&self, m: &Money) -> String {
        fmt::money(m)
    }
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::beijing_time(t)
    }
    fn deadline_attr(&self) -> String {
        fmt::datetime_attr(&self.d.bid_deadline)
    }
    fn stage(&self) -> &'static str {
        let l = self.lang;
        match self.d.stage {
            DepositStage::Pending => l.t("待缴纳", "pending"),
            DepositStage::Received => l.t("已到账（尚未有效）", "received (not yet valid)"),
            DepositStage::Valid => l.t("有效", "valid"),
            DepositStage::Refunded => l.t("已退还", "refunded"),
        }
    }
    fn form_label(&self) -> &'static str {
        let l = self.lang;
        match self.d.status.as_ref().map(|s| s.form.as_str()) {
            Some("cash") => l.t("现金（转账）", "cash (transfer)"),
            Some("guarantee") => l.t("保函", "guarantee"),
            _ => l.t("无", "none"),
        }
    }
    fn kind_label(&self, k: &str) -> &'static str {
        kind_label(k, self.lang)
    }
    fn refund_status(&self, s: &str) -> &'static str {
        match s {
            "paid" => self.lang.t("已退还", "paid back"),
            _ => self.lang.t("已指令银行退还", "instructed to the bank"),
        }
    }
    fn guarantee_status(&self, s: &GuaranteeStatus) -> &'static str {
        match s {
            GuaranteeStatus::Active => self.lang.t("有效", "active"),
            GuaranteeStatus::Released => self.lang.t("已解除", "released"),
            GuaranteeStatus::Forfeited => self.lang.t("已没收", "forfeited"),
        }
    }
}

fn kind_label(k: &str, l: Lang) -> &'static str {
    match k {
        "bank_guarantee" => l.t("银行保函", "Bank guarantee"),
        "guarantee_insurance" => l.t("保证保险", "Guarantee insurance"),
        "electronic_guarantee" => l.t("电子保函", "Electronic guarantee"),
        _ => l.t("其他", "Other"),
    }
}

fn render(
    a: &PageActor,
    status: StatusCode,
    d: &MyDeposit,
    form: FormState,
    notice: &str,
) -> Response {
    let l = a.chrome.lang;
    let kinds = [
        "electronic_guarantee",
        "bank_guarantee",
        "guarantee_insurance",
    ]
    .iter()
    .map(|k| (k.to_string(), kind_label(k, l).to_string()))
    .collect();
    let page = DepositPage {
        c: &a.chrome,
        lang: l,
        d,
        form,
        notice,
        kinds,
    };
    ggzy_web::frame::page_status(&a.chrome, status, l.t("投标保证金", "Bid deposit"), &page)
}

#[derive(Debug, Deserialize, Default)]
struct DepositQuery {
    #[serde(default)]
    done: String,
}

/// `GET /bidder/sections/{id}/deposit`: the caller's deposit for the section.
async fn deposit_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<DepositQuery>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let d = crate::bidder::my_deposit(&ctx, &a.actor, &id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let l = a.chrome.lang;
    let notice = match q.done.as_str() {
        "account" => l.t(
            "已生成您的虚拟子账号，请从贵单位基本账户转账。",
            "Your virtual sub-account is ready; transfer from your organization's basic account.",
        ),
        "guarantee" => l.t("保函已登记。", "The guarantee is on record."),
        _ => "",
    };
    Ok(render(&a, StatusCode::OK, &d, FormState::new(), notice))
}

#[derive(Debug, Deserialize)]
struct Empty {}

/// `POST /bidder/sections/{id}/deposit/account` (CSRF-checked): get the virtual sub-account
/// (`POST /api/v1/deposits/accounts`'s use case).
async fn open_account(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    match crate::service::open_account(&ctx, &a.actor, &id).await {
        Ok(_) => Ok(ggzy_web::frame::see_other(&format!(
            "/bidder/sections/{id}/deposit?done=account"
        ))),
        Err(e) => Err(ggzy_web::frame::error_page(&a.chrome, &e)),
    }
}

/// The guarantee form as posted (strings; parsed here so each bad field is named).
#[derive(Debug, Deserialize, Default)]
struct GuaranteeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    verification_code: String,
    #[serde(default)]
    bid_validity_days: String,
}

fn date(s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "",
            "date.format",
            format!("'{s}' is not a date (YYYY-MM-DD)"),
        )
    })
}

fn parse_guarantee(section_id: &str, f: &GuaranteeForm) -> ggzy_core::Result<NewGuarantee> {
    let mut v = Violations::new();
    let kind = match f.kind.as_str() {
        "bank_guarantee" => Some(GuaranteeKind::BankGuarantee),
        "guarantee_insurance" => Some(GuaranteeKind::GuaranteeInsurance),
        "electronic_guarantee" => Some(GuaranteeKind::ElectronicGuarantee),
        _ => {
            v.push("kind", "guarantee.kind", "choose the kind of guarantee");
            None
        }
    };
    let amount = v.take("amount", Money::parse_str(&f.amount));
    let valid_from = v.take("valid_from", date(&f.valid_from));
    let valid_until = v.take("valid_until", date(&f.valid_until));
    let days = match f.bid_validity_days.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                v.push(
                    "bid_validity_days",
                    "integer",
                    "give the bid validity in whole days",
                );
                None
            }
        },
    };
    v.into_result()?;
    let (Some(kind), Some(amount), Some(valid_from), Some(valid_until)) =
        (kind, amount, valid_from, valid_until)
    else {
        return Err(ggzy_core::Error::internal("parsed fields missing"));
    };
    Ok(NewGuarantee {
        section_id: section_id.to_string(),
        org_id: None,
        kind,
        issuer: f.issuer.clone(),
        number: f.number.clone(),
        amount,
        valid_from,
        valid_until,
        verification_code: f.verification_code.clone(),
        bid_validity_days: days,
    })
}

/// `POST /bidder/sections/{id}/deposit/guarantee` (CSRF-checked): record a guarantee instead of
/// cash (`POST /api/v1/deposits/guarantees`'s use case); refusals next to their fields with rule.
async fn guarantee(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<GuaranteeForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    let result = match parse_guarantee(&id, &f.form) {
        Ok(g) => crate::guarantees::record(&ctx, &a.actor, g)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ggzy_web::frame::see_other(&format!(
            "/bidder/sections/{id}/deposit?done=guarantee"
        ))),
        Err(e) => {
            let d = crate::bidder::my_deposit(&ctx, &a.actor, &id)
                .await
                .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
            let g = &f.form;
            let form = FormState::from_error(&e).with_values([
                ("kind", g.kind.as_str()),
                ("issuer", g.issuer.as_str()),
                ("number", g.number.as_str()),
                ("amount", g.amount.as_str()),
                ("valid_from", g.valid_from.as_str()),
                ("valid_until", g.valid_until.as_str()),
                ("verification_code", g.verification_code.as_str()),
                ("bid_validity_days", g.bid_validity_days.as_str()),
            ]);
            Ok(render(&a, e.status(), &d, form, ""))
        }
    }
}
