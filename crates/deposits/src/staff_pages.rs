//! Centre staff's deposits back office (crates/deposits):
//! - `/staff/forfeitures`: forfeitures (没收投标保证金) proposed and awaiting the second staff
//!   member's decision (four eyes), approve or reject → [`forfeiture::decide`];
//! - `/staff/refunds`: the daily refund instructions, per instruction day, and the day's file
//!   the bank gets (`/staff/refunds/{date}/file`, [`refund_file::day_file`], the same use case as
//!   `GET /api/v1/deposits/refunds/file`);
//! - `/staff/reconciliation`: upload the bank's statement of a day (a CSV file) and see the
//!   result, matched and unmatched lines → [`reconcile::import`].
//!
//! [`pending_for_staff`] gives this area's cards on `/staff`.

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::forfeiture::{self, Forfeiture};
use crate::reconcile::{self, Reconciliation};
use crate::refund_file::{self, RefundDay};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::http::Path;
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{beijing_time, money};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor, QueueCard};
use serde::Deserialize;
use std::collections::HashMap;

/// Largest statement file accepted by the page (the API takes the same CSV as its body).
const MAX_STATEMENT_BYTES: usize = 8 * 1024 * 1024;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/forfeitures", get(forfeitures))
        .route("/staff/forfeitures/{id}/approve", post(approve_forfeiture))
        .route("/staff/forfeitures/{id}/reject", post(reject_forfeiture))
        .route("/staff/refunds", get(refunds))
        .route("/staff/refunds/{date}", get(refunds_of_day))
        .route("/staff/refunds/{date}/file", get(refund_file_download))
        .route(
            "/staff/reconciliation",
            get(reconciliation_form).post(reconciliation_upload).layer(
                axum::extract::DefaultBodyLimit::max(MAX_STATEMENT_BYTES + 64 * 1024),
            ),
        )
}

/// This area's cards on the staff home: forfeitures awaiting a decision, refund instructions the
/// bank has not confirmed yet, and the reconciliation upload.
pub async fn pending_for_staff(ctx: &Ctx, l: Lang) -> Result<Vec<QueueCard>> {
    let proposed = crate::store::guarantees::count_proposed(&ctx.db).await?;
    let instructed = crate::store::refunds::count_instructed(&ctx.db).await?;
    Ok(vec![
        QueueCard::queue(
            "forfeitures",
            l.t("待决定的保证金没收", "Deposit forfeitures awaiting a decision"),
            proposed,
            "/staff/forfeitures",
            l.t(
                "由提议人以外的工作人员决定是否没收（实施条例第35条、第74条）。",
                "Decided by a staff member other than the proposer (Implementing Regulation arts. 35, 74).",
            ),
        ),
        QueueCard::queue(
            "refunds",
            l.t("银行未确认的退款指令", "Refund instructions not yet paid"),
            instructed,
            "/staff/refunds",
            l.t(
                "每日退款指令及发给银行的文件。",
                "The daily refund instructions and the bank's file.",
            ),
        ),
        QueueCard::link(
            "reconciliation",
            l.t("银行对账", "Bank reconciliation"),
            "/staff/reconciliation",
            l.t(
                "上传银行当日流水，与保证金账核对。",
                "Upload the bank's statement of a day and reconcile it with the ledger.",
            ),
        ),
    ])
}

/// Names of organizations from this area's copy (`deposit_orgs`).
async fn org_names(ctx: &Ctx, ids: impl Iterator<Item = &str>) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        let name = crate::store::sections::org_name(&ctx.db, id).await?;
        if let Some(name) = name {
            out.insert(id.to_string(), name);
        }
    }
    Ok(out)
}

fn ground_label(g: &str, l: Lang) -> &'static str {
    match g {
        "revoked_after_deadline" => l.t("投标截止后撤销投标文件", "Bid revoked after the deadline"),
        "refused_to_sign" => l.t("中标人无正当理由不签订合同", "Winner refused to sign"),
        "refused_performance_security" => l.t(
            "提出附加条件或未提交履约保证金",
            "Added conditions or no performance security",
        ),
        "not_decrypted" => l.t("因投标人原因未能解密", "Bid not decrypted (bidder's fault)"),
        _ => l.t("其他", "Other"),
    }
}

fn forfeiture_status(s: &str, l: Lang) -> &'static str {
    match s {
        "proposed" => l.t("待决定", "Awaiting a decision"),
        "approved" => l.t("已没收", "Forfeited"),
        "rejected" => l.t("已驳回", "Rejected"),
        _ => l.t("其他", "Other"),
    }
}

pub struct ForfeitureRow {
    pub id: String,
    pub bidder: String,
    pub section_id: String,
    pub ground: &'static str,
    pub basis: String,
    pub reason: String,
    pub amount: String,
    pub form: &'static str,
    pub status: String,
    pub status_label: &'static str,
    pub proposed_at: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "staff/forfeitures.html")]
struct ForfeituresPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    proposed: Vec<ForfeitureRow>,
    decided: Vec<ForfeitureRow>,
    form: FormState,
    failed: Option<String>,
    done: Option<&'static str>,
}

async fn render_forfeitures(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    failed: Option<String>,
    done: Option<&'static str>,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let list = match forfeiture::list(ctx, &a.actor, None).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let names = match org_names(ctx, list.iter().map(|f| f.org_id.as_str())).await {
        Ok(n) => n,
        Err(e) => return frame::error_page(c, &e),
    };
    let row = |f: &Forfeiture| ForfeitureRow {
        id: f.id.clone(),
        bidder: names
            .get(&f.org_id)
            .cloned()
            .unwrap_or_else(|| l.t("（名称未登记）", "(name not on file)").to_string()),
        section_id: f.section_id.clone(),
        ground: ground_label(&f.ground, l),
        basis: f.basis.clone(),
        reason: f.reason.clone(),
        amount: money(&f.amount),
        form: if f.form == "guarantee" {
            l.t("保函（索赔）", "Guarantee (called)")
        } else {
            l.t("现金", "Cash")
        },
        status: f.status.clone(),
        status_label: forfeiture_status(&f.status, l),
        proposed_at: beijing_time(&f.proposed_at),
        mine: f.proposed_by == a.actor.user_id,
    };
    let p = ForfeituresPage {
        c,
        lang: l,
        proposed: list
            .iter()
            .filter(|f| f.status == "proposed")
            .map(row)
            .collect(),
        decided: list
            .iter()
            .rev()
            .filter(|f| f.status != "proposed")
            .take(50)
            .map(row)
            .collect(),
        form,
        failed,
        done,
    };
    page_status(c, status, c.t("保证金没收决定", "Deposit forfeitures"), &p)
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /staff/forfeitures`.
async fn forfeitures(
    State(ctx): State<Ctx>,
    a: PageActor,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let l = a.chrome.lang;
    let done = match q.done.as_str() {
        "approved" => Some(l.t("已决定没收。", "Forfeiture approved.")),
        "rejected" => Some(l.t("已驳回没收提议。", "Forfeiture rejected.")),
        _ => None,
    };
    render_forfeitures(&ctx, &a, StatusCode::OK, FormState::new(), None, done).await
}

/// Only the CSRF token (checked by the frame).
#[derive(Deserialize)]
pub struct Empty {}

async fn decide(ctx: &Ctx, id: &str, f: CsrfForm<Empty>, approve: bool) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    match forfeiture::decide(ctx, &a.actor, id, approve).await {
        Ok(_) if approve => see_other("/staff/forfeitures?done=approved"),
        Ok(_) => see_other("/staff/forfeitures?done=rejected"),
        Err(e) => {
            render_forfeitures(
                ctx,
                &a,
                e.status(),
                FormState::from_error(&e),
                Some(id.to_string()),
                None,
            )
            .await
        }
    }
}

/// `POST /staff/forfeitures/{id}/approve` → [`forfeiture::decide`].
async fn approve_forfeiture(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    decide(&ctx, &id, f, true).await
}

/// `POST /staff/forfeitures/{id}/reject` → [`forfeiture::decide`].
async fn reject_forfeiture(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    decide(&ctx, &id, f, false).await
}

// ---------------------------------------------------------------------------------------------
// Refund instructions per day.

pub struct DayRow {
    pub date: String,
    pub count: i64,
    pub instructed: i64,
    pub total: String,
}

pub struct RefundRow {
    pub id: String,
    pub payee_name: String,
    pub payee_account_no: String,
    pub amount: String,
    pub interest: String,
    pub total: String,
    pub due_date: String,
    pub basis: String,
    pub status: String,
    pub status_label: &'static str,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "staff/refunds.html")]
struct RefundsPage {
    lang: Lang,
    days: Vec<DayRow>,
    day: Option<String>,
    rows: Vec<RefundRow>,
    day_total: String,
}

fn parse_day(c: &Chrome, s: &str) -> std::result::Result<NaiveDate, Response> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        frame::error_page(
            c,
            &Error::field("date", "date.invalid", "the day is written YYYY-MM-DD"),
        )
    })
}

async fn render_refunds(ctx: &Ctx, a: &PageActor, day: Option<NaiveDate>) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let days: Vec<RefundDay> = match refund_file::days(ctx, &a.actor).await {
        Ok(d) => d,
        Err(e) => return frame::error_page(c, &e),
    };
    let list = match day {
        Some(d) => match refund_file::of_day(ctx, &a.actor, d).await {
            Ok(x) => x,
            Err(e) => return frame::error_page(c, &e),
        },
        None => vec![],
    };
    let total: i64 = list.iter().map(|r| r.total.fen()).sum();
    let p = RefundsPage {
        lang: l,
        days: days
            .iter()
            .map(|d| DayRow {
                date: d.date.to_string(),
                count: d.count,
                instructed: d.instructed,
                total: money(&d.total),
            })
            .collect(),
        day: day.map(|d| d.to_string()),
        rows: list
            .iter()
            .map(|r| RefundRow {
                id: r.id.clone(),
                payee_name: r.payee_name.clone(),
                payee_account_no: r.payee_account_no.clone(),
                amount: money(&r.amount),
                interest: money(&r.interest),
                total: money(&r.total),
                due_date: r.due_date.clone(),
                basis: r.basis.clone(),
                status: r.status.clone(),
                status_label: if r.status == "paid" {
                    l.t("银行已付", "Paid")
                } else {
                    l.t("待银行支付", "To be paid")
                },
                overdue: r.overdue,
            })
            .collect(),
        day_total: money(&ggzy_core::Money::from_fen(total)),
    };
    frame::page(c, c.t("退款指令", "Refund instructions"), &p)
}

/// `GET /staff/refunds`: the instruction days.
async fn refunds(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    render_refunds(&ctx, &a, None).await
}

/// `GET /staff/refunds/{date}`: one day's instructions.
async fn refunds_of_day(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(date): Path<String>,
) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    match parse_day(&a.chrome, &date) {
        Ok(d) => render_refunds(&ctx, &a, Some(d)).await,
        Err(r) => r,
    }
}

/// `GET /staff/refunds/{date}/file`: the CSV file the bank gets for that day.
async fn refund_file_download(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(date): Path<String>,
) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let d = match parse_day(&a.chrome, &date) {
        Ok(d) => d,
        Err(r) => return r,
    };
    match refund_file::day_file(&ctx, &a.actor, d).await {
        Ok(csv) => crate::http::csv_download(&format!("refunds-{d}.csv"), csv),
        Err(e) => frame::error_page(&a.chrome, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Bank reconciliation upload.

pub struct DiffRow {
    pub kind: &'static str,
    pub kind_key: String,
    pub bank_txn_id: String,
    pub statement_amount: String,
    pub ledger_amount: String,
}

pub struct Outcome {
    pub date: String,
    pub statement_lines: usize,
    pub ledger_movements: usize,
    pub matched: Vec<String>,
    pub differences: Vec<DiffRow>,
    pub difference_total: String,
    pub clean: bool,
}

#[derive(Template)]
#[template(path = "staff/reconciliation.html")]
struct ReconPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    form: FormState,
    outcome: Option<Outcome>,
}

fn diff_label(k: &str, l: Lang) -> &'static str {
    match k {
        "missing_in_ledger" => l.t("银行有、账上无", "In the statement, not in the ledger"),
        "missing_in_statement" => l.t("账上有、银行无", "In the ledger, not in the statement"),
        "amount_mismatch" => l.t("金额不符", "Amounts differ"),
        "direction_mismatch" => l.t("收付方向不符", "Direction differs"),
        "duplicate_in_statement" => l.t("银行流水重复", "Duplicate statement line"),
        _ => l.t("其他", "Other"),
    }
}

fn outcome(rec: &Reconciliation, statement_ids: &[String], l: Lang) -> Outcome {
    let unmatched: std::collections::HashSet<&str> = rec
        .differences
        .iter()
        .map(|d| d.bank_txn_id.as_str())
        .collect();
    Outcome {
        date: rec.date.to_string(),
        statement_lines: rec.statement_lines,
        ledger_movements: rec.ledger_movements,
        matched: statement_ids
            .iter()
            .filter(|t| !unmatched.contains(t.as_str()))
            .cloned()
            .collect(),
        differences: rec
            .differences
            .iter()
            .map(|d| DiffRow {
                kind: diff_label(&d.kind, l),
                kind_key: d.kind.clone(),
                bank_txn_id: d.bank_txn_id.clone(),
                statement_amount: d.statement_amount.as_ref().map(money).unwrap_or_default(),
                ledger_amount: d.ledger_amount.as_ref().map(money).unwrap_or_default(),
            })
            .collect(),
        difference_total: money(&rec.difference_total),
        clean: rec.clean,
    }
}

fn render_recon(
    a: &PageActor,
    status: StatusCode,
    form: FormState,
    outcome: Option<Outcome>,
) -> Response {
    let c = &a.chrome;
    let p = ReconPage {
        c,
        lang: c.lang,
        form,
        outcome,
    };
    page_status(c, status, c.t("银行对账", "Bank reconciliation"), &p)
}

/// `GET /staff/reconciliation`: the upload form.
async fn reconciliation_form(a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    render_recon(&a, StatusCode::OK, FormState::new(), None)
}

/// The upload's fields.
#[derive(Default)]
struct Upload {
    csrf: String,
    date: String,
    statement: Vec<u8>,
}

async fn read_upload(mp: &mut Multipart) -> Result<Upload> {
    let mut u = Upload::default();
    let bad = |_| Error::bad_request("the upload could not be read");
    while let Some(f) = mp.next_field().await.map_err(bad)? {
        match f.name().unwrap_or("") {
            "csrf" => u.csrf = f.text().await.map_err(bad)?,
            "date" => u.date = f.text().await.map_err(bad)?,
            "statement" => u.statement = f.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /staff/reconciliation` (multipart: `csrf`, `date`, `statement` file) →
/// [`reconcile::import`], the API's use case.
async fn reconciliation_upload(
    State(ctx): State<Ctx>,
    a: PageActor,
    mut mp: Multipart,
) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let u = match read_upload(&mut mp).await {
        Ok(u) => u,
        Err(e) => return frame::error_page(&a.chrome, &e),
    };
    // The token is checked before anything is read into the ledger or stored.
    if let Err(r) = a.check_csrf(&u.csrf) {
        return r;
    }
    let l = a.chrome.lang;
    let mut form = FormState::new().with_values([("date", u.date.clone())]);
    let date = NaiveDate::parse_from_str(u.date.trim(), "%Y-%m-%d");
    if date.is_err() {
        form.push(
            "date",
            "date.invalid",
            l.t(
                "请选择流水日期（YYYY-MM-DD）",
                "Choose the statement's date (YYYY-MM-DD)",
            ),
        );
    }
    if u.statement.is_empty() {
        form.push(
            "statement",
            "required",
            l.t(
                "请选择银行流水文件（CSV）",
                "Choose the bank's statement file (CSV)",
            ),
        );
    }
    let csv = std::str::from_utf8(&u.statement);
    if !u.statement.is_empty() && csv.is_err() {
        form.push(
            "statement",
            "csv.encoding",
            l.t("流水文件须为 UTF-8 编码", "The statement must be UTF-8"),
        );
    }
    let (Ok(date), Ok(csv), true) = (date, csv, form.is_ok()) else {
        return render_recon(&a, StatusCode::UNPROCESSABLE_ENTITY, form, None);
    };
    match reconcile::import(&ctx, &a.actor, date, csv).await {
        Ok(rec) => {
            let ids: Vec<String> = reconcile::parse_statement(csv, date)
                .map(|m| m.into_iter().map(|x| x.bank_txn_id).collect())
                .unwrap_or_default();
            let o = outcome(&rec, &ids, l);
            render_recon(&a, StatusCode::CREATED, form, Some(o))
        }
        Err(e) => {
            let mut f = FormState::from_error(&e).with_values([("date", u.date)]);
            // The use case names statement lines as `statement[line N]`: shown at the file field.
            for x in &mut f.errors {
                if x.field.starts_with("statement") && x.field != "statement" {
                    x.message = format!("{}: {}", x.field, x.message);
                    x.field = "statement".into();
                }
            }
            render_recon(&a, e.status(), f, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::Difference;
    use ggzy_core::Money;

    #[test]
    fn matched_lines_are_the_statement_lines_without_a_difference() {
        let rec = Reconciliation {
            id: "x".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            statement_lines: 3,
            ledger_movements: 2,
            differences: vec![Difference {
                kind: "missing_in_ledger".into(),
                bank_txn_id: "T3".into(),
                statement_amount: Some(Money::from_fen(100)),
                ledger_amount: None,
                direction: None,
                account: None,
            }],
            difference_total: Money::from_fen(100),
            clean: false,
        };
        let ids = vec!["T1".to_string(), "T2".into(), "T3".into()];
        let o = outcome(&rec, &ids, Lang::Zh);
        assert_eq!(o.matched, vec!["T1".to_string(), "T2".into()]);
        assert_eq!(o.differences[0].kind_key, "missing_in_ledger");
        assert_eq!(o.differences[0].statement_amount, "1.00 元");
    }
}
