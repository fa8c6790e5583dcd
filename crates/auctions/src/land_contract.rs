//! The land contract (国有建设用地使用权出让合同) after a land deal (国土资发〔2010〕34号): signed
//! within 10 working days of the deal; at least 50 % of the price paid within one month of signing,
//! the rest within one year. A land deal opens the contract step in the deal's transaction; staff
//! record the signing and each payment; durable timers at the end of each due day raise
//! `auctions.land_contract.overdue` {step} when the step is not met by then (payments count by their
//! `paid_on` date). A due day on a day off moves to the next working day (民法典 第二百零三条).

use crate::store::land as store;
use axum::extract::State;
use chrono::{Months, NaiveDate};
use ggzy_core::calendar::BusinessCalendar;
use ggzy_core::events::ActorRef;
use ggzy_core::http::{Json, Path};
use ggzy_core::time::{at_local, local_date};
use ggzy_core::{ids, Clock, Error, FieldError, Money, Result, Timestamp};
use ggzy_events::auctions::{
    LandContractOpened, LandContractOverdue, LandContractPaymentRecorded, LandContractSigned,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::uow::Uow;
use ggzy_store::{emit, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub const CONTRACT_TIMER: &str = "auctions.land_contract_step";
pub const SOURCE: &str = "国土资发〔2010〕34号";

/// Working days from the deal to the contract (国土资发〔2010〕34号).
pub const SIGN_WORKING_DAYS: u32 = 10;
/// Share of the price due within a month of signing, basis points.
pub const FIRST_SHARE_BP: i64 = 5000;

/// The last day to sign: the 10th working day after the deal's date.
pub fn sign_due(cal: &BusinessCalendar, deal_date: NaiveDate) -> NaiveDate {
    cal.add_working_days_reckoned(deal_date, SIGN_WORKING_DAYS)
        .value
}

/// `months` after signing, moved to the next working day when it is a day off.
pub fn due_after(cal: &BusinessCalendar, signed_on: NaiveDate, months: u32) -> NaiveDate {
    let d = signed_on
        .checked_add_months(Months::new(months))
        .unwrap_or(signed_on);
    cal.roll_to_working_day(d).value
}

/// The least paid within the first month: 50 % of the price, rounded up to the fen.
pub fn first_minimum(price_fen: i64) -> i64 {
    let p = i128::from(price_fen) * i128::from(FIRST_SHARE_BP);
    ((p + 9_999) / 10_000) as i64
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub amount: String,
    pub paid_on: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LandContractView {
    pub deal_id: String,
    pub auction_id: String,
    pub price: String,
    pub deal_at: String,
    /// Last day to sign (10 working days after the deal).
    pub sign_due_date: String,
    pub contract_no: Option<String>,
    pub signed_on: Option<String>,
    /// Last day for ≥ 50 % of the price (one month after signing).
    pub first_due_date: Option<String>,
    pub first_minimum: String,
    /// Last day for the rest (one year after signing).
    pub final_due_date: Option<String>,
    pub paid: String,
    pub remaining: String,
    pub payments: Vec<PaymentView>,
    /// Steps found overdue: `signing`, `first_payment`, `final_payment`.
    pub overdue: Vec<String>,
}

use crate::store::land::ContractRow as Row_;

fn end_of(d: NaiveDate) -> Timestamp {
    at_local(d.succ_opt().unwrap_or(d), 0, 0, 0)
}

/// The payload of a [`CONTRACT_TIMER`]: which deal, which step (`signing`, `first_payment`,
/// `final_payment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StepDue {
    deal_id: String,
    step: String,
}

async fn schedule_step(
    tx: &mut Tx,
    deal_id: &str,
    step: &str,
    due: NaiveDate,
    now: Timestamp,
) -> Result<()> {
    let payload = StepDue {
        deal_id: deal_id.to_string(),
        step: step.to_string(),
    };
    timers::schedule(
        tx,
        CONTRACT_TIMER,
        &format!("land-contract:{deal_id}:{step}"),
        end_of(due),
        serde_json::to_value(&payload).map_err(|e| Error::internal(e.to_string()))?,
        now,
    )
    .await
}

/// Open the contract step of a land deal (called in the deal's transaction).
pub(crate) async fn open(
    u: &mut Uow<'_>,
    deal_id: &str,
    auction_id: &str,
    section_id: &str,
    winner: &str,
    price_fen: i64,
) -> Result<()> {
    let db = u.db;
    let now = u.now;
    let due = sign_due(db.calendar(), local_date(now));
    store::insert_contract(
        u.tx(),
        &store::NewContract {
            deal_id,
            auction_id,
            section_id,
            winner,
            price_fen,
            deal_at: now,
            sign_due: due,
        },
    )
    .await?;
    schedule_step(u.tx(), deal_id, "signing", due, now).await?;
    u.emit(
        LandContractOpened {
            deal_id: deal_id.to_string(),
            auction_id: auction_id.to_string(),
            section_id: section_id.to_string(),
            winner_org_id: winner.to_string(),
            price: Money::from_fen(price_fen),
            sign_due_date: due,
            source: SOURCE.to_string(),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

async fn load_for_auction(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
    lock: &str,
) -> Result<Row_> {
    store::contract_of_auction(conn, auction_id, lock)
        .await?
        .ok_or_else(|| Error::not_found("land contract"))
}

async fn view_of(conn: &mut sqlx::AnyConnection, c: &Row_) -> Result<LandContractView> {
    let payments: Vec<PaymentView> = store::payments(conn, &c.deal_id)
        .await?
        .into_iter()
        .map(|r| PaymentView {
            amount: r.amount_fen.to_string(),
            paid_on: r.paid_on,
        })
        .collect();
    let overdue = store::overdue_steps(conn, &c.deal_id).await?;
    Ok(LandContractView {
        deal_id: c.deal_id.clone(),
        auction_id: c.auction_id.clone(),
        price: Money::from_fen(c.price).to_string(),
        deal_at: c.deal_at.to_rfc3339(),
        sign_due_date: c.sign_due.to_string(),
        contract_no: c.contract_no.clone(),
        signed_on: c.signed_on.map(|d| d.to_string()),
        first_due_date: c.first_due.map(|d| d.to_string()),
        first_minimum: Money::from_fen(first_minimum(c.price)).to_string(),
        final_due_date: c.final_due.map(|d| d.to_string()),
        paid: Money::from_fen(c.paid).to_string(),
        remaining: Money::from_fen(c.price - c.paid).to_string(),
        payments,
        overdue,
    })
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_contract))
        .routes(routes!(sign_contract))
        .routes(routes!(record_payment))
}

/// The land contract step of an auction's deal (staff, admin, supervisor; the winning bidder).
#[utoipa::path(get, path = "/api/v1/auctions/{id}/contract", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = LandContractView), (status = 403), (status = 404)))]
async fn get_contract(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<LandContractView>> {
    Ok(Json(view(&ctx, &actor, &id).await?))
}

/// The use case of `GET /api/v1/auctions/{id}/contract` and of the contract on the staff and the
/// winner's auction pages: staff, admin and supervisors see every contract, the winning bidder its
/// own; anyone else 404 (a bidder learns nothing of another's deal).
pub async fn view(ctx: &Ctx, actor: &Actor, auction_id: &str) -> Result<LandContractView> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor, Role::Bidder])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let c = load_for_auction(&mut conn, auction_id, "").await?;
    if !actor.sees_everything() && actor.org_id.as_deref() != Some(c.winner.as_str()) {
        return Err(Error::not_found("land contract"));
    }
    view_of(&mut conn, &c).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignContract {
    /// The contract number (合同编号).
    pub contract_no: String,
    /// The signing date (YYYY-MM-DD, Beijing); not before the deal, not in the future.
    pub signed_on: NaiveDate,
}

/// Record the signed contract (staff): the payment schedule follows from the signing date.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/contract/sign", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = SignContract,
    responses((status = 200, body = LandContractView), (status = 403), (status = 404),
              (status = 409, description = "already signed"), (status = 422)))]
async fn sign_contract(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<SignContract>,
) -> Result<Json<LandContractView>> {
    Ok(Json(sign(&ctx, &actor, &id, b).await?))
}

/// Record the signed contract (the use case of `POST …/contract/sign` and of the staff page's form).
pub async fn sign(ctx: &Ctx, actor: &Actor, id: &str, b: SignContract) -> Result<LandContractView> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let c = load_for_auction(&mut tx, id, ctx.db.for_update()).await?;
    if c.signed_on.is_some() {
        return Err(Error::conflict(
            "auctions.land_contract_signed",
            "the contract is signed already",
        ));
    }
    let mut v = Vec::new();
    if b.contract_no.trim().is_empty() {
        v.push(FieldError::new(
            "contract_no",
            "auctions.land_contract_no",
            "the contract number (合同编号)",
        ));
    }
    if b.signed_on < local_date(c.deal_at) || b.signed_on > local_date(now) {
        v.push(FieldError::new(
            "signed_on",
            "auctions.land_contract_signed_on",
            "signed on or after the deal and not in the future",
        ));
    }
    if !v.is_empty() {
        return Err(Error::Validation(v));
    }
    let cal = ctx.db.calendar();
    let (first, last) = (
        due_after(cal, b.signed_on, 1),
        due_after(cal, b.signed_on, 12),
    );
    store::sign(
        &mut tx,
        &c.deal_id,
        b.contract_no.trim(),
        b.signed_on,
        &actor.user_id,
        first,
        last,
    )
    .await?;
    schedule_step(&mut tx, &c.deal_id, "first_payment", first, now).await?;
    schedule_step(&mut tx, &c.deal_id, "final_payment", last, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        LandContractSigned {
            deal_id: c.deal_id.clone(),
            auction_id: id.to_string(),
            section_id: c.section_id.clone(),
            contract_no: b.contract_no.trim().to_string(),
            signed_on: b.signed_on,
            late: b.signed_on > c.sign_due,
            first_due_date: first,
            final_due_date: last,
            first_minimum: Money::from_fen(first_minimum(c.price)),
        }
        .encode(),
    )
    .await?;
    let c = load_for_auction(&mut tx, id, "").await?;
    let answer = view_of(&mut tx, &c).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

pub use crate::payment::NewPayment;

/// Record a payment of the price against the schedule (staff).
#[utoipa::path(post, path = "/api/v1/auctions/{id}/contract/payments", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = NewPayment,
    responses((status = 200, body = LandContractView), (status = 403), (status = 404),
              (status = 409, description = "not signed yet"), (status = 422)))]
async fn record_payment(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<NewPayment>,
) -> Result<Json<LandContractView>> {
    Ok(Json(pay(&ctx, &actor, &id, b).await?))
}

/// Record a payment of the price (the use case of `POST …/contract/payments` and of the staff
/// page's form).
pub async fn pay(ctx: &Ctx, actor: &Actor, id: &str, b: NewPayment) -> Result<LandContractView> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let c = load_for_auction(&mut tx, id, ctx.db.for_update()).await?;
    let Some(signed) = c.signed_on else {
        return Err(Error::conflict(
            "auctions.land_contract_not_signed",
            "payments follow the signed contract",
        ));
    };
    let amount = crate::payment::check(
        &b,
        &crate::payment::Due {
            market: "land",
            remaining_fen: c.price - c.paid,
            earliest: (signed, "the signing"),
            today: local_date(now),
        },
    )?;
    let pid = ids::new_id();
    store::insert_payment(
        &mut tx,
        &pid,
        &c.deal_id,
        amount,
        b.paid_on,
        &actor.user_id,
        now,
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        LandContractPaymentRecorded {
            deal_id: c.deal_id.clone(),
            auction_id: id.to_string(),
            payment_id: pid,
            amount,
            paid_on: b.paid_on,
            paid_total: Money::from_fen(c.paid + amount.fen()),
        }
        .encode(),
    )
    .await?;
    let c = load_for_auction(&mut tx, id, "").await?;
    let answer = view_of(&mut tx, &c).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// The end of a due day: raise the overdue alert when the step is not met.
pub struct ContractStep;

#[async_trait::async_trait]
impl TimerHandler for ContractStep {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let due: StepDue = serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!(
                "{CONTRACT_TIMER} timer {}: payload: {e}",
                timer.key
            ))
        })?;
        let (deal_id, step) = (due.deal_id.as_str(), due.step.as_str());
        let Some(c) = store::contract_of_deal_locked(tx, db, deal_id).await? else {
            return Ok(());
        };
        let (late, due, needed) = match step {
            "signing" => (c.signed_on.is_none(), Some(c.sign_due), None),
            "first_payment" => {
                let p = store::paid_by(tx, deal_id, c.first_due).await?;
                (
                    p < first_minimum(c.price),
                    c.first_due,
                    Some(first_minimum(c.price)),
                )
            }
            "final_payment" => {
                let p = store::paid_by(tx, deal_id, c.final_due).await?;
                (p < c.price, c.final_due, Some(c.price))
            }
            _ => return Ok(()),
        };
        if !late {
            return Ok(());
        }
        let now = clock.now();
        let raised = store::insert_overdue(tx, deal_id, step, now).await?;
        if raised {
            emit(
                tx,
                db,
                &ActorRef::system("auctions"),
                now,
                LandContractOverdue {
                    deal_id: deal_id.to_string(),
                    auction_id: c.auction_id.clone(),
                    section_id: c.section_id.clone(),
                    winner_org_id: c.winner.clone(),
                    step: step.to_string(),
                    due_date: due,
                    required: needed.map(Money::from_fen),
                    paid: Money::from_fen(c.paid),
                    source: SOURCE.to_string(),
                }
                .encode(),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_contract_is_due_10_working_days_after_the_deal_across_qingming() {
        let cal = BusinessCalendar::official();
        // Deal Thursday 2026-04-02: 03, (04-06 清明), 07, 08, 09, 10, 13, 14, 15, 16, 17.
        assert_eq!(sign_due(&cal, d("2026-04-02")), d("2026-04-17"));
    }

    #[test]
    fn half_the_price_within_a_month_and_the_rest_within_a_year() {
        let cal = BusinessCalendar::official();
        // Signed Friday 2026-04-17: one month is Sunday 05-17 → Monday 05-18; one year is Saturday
        // 2027-04-17 (a year without an imported schedule counts weekends only) → Monday 04-19.
        assert_eq!(due_after(&cal, d("2026-04-17"), 1), d("2026-05-18"));
        assert_eq!(due_after(&cal, d("2026-04-17"), 12), d("2027-04-19"));
        assert_eq!(first_minimum(100_000_000), 50_000_000);
        assert_eq!(first_minimum(3), 2);
        assert_eq!(end_of(d("2026-04-17")), at_local(d("2026-04-18"), 0, 0, 0));
    }
}
