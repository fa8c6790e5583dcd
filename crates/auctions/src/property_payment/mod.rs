//! Paying a property deal's price (交易价款, 《企业国有资产交易监督管理办法》 国资委 财政部令第32号
//! 第二十八条 — article number to verify): 交易价款原则上应当自合同生效之日起5个工作日内一次付清; by
//! instalments (分期付款) the first payment (≥ 30 %) within the same 5 working days, the rest secured,
//! with interest for the deferred period at the bank loan rate of the same term, within one year.
//!
//! Recording the deal's terms ([`crate::property::record_deal_terms`]) opens the schedule in the
//! same transaction ([`open`]); the buyer's deposit converted into the price
//! (`deposits.deposit.converted`, this area's copy in `property_deposit_credits`) counts as paid on
//! its conversion day; staff record each payment; durable timers at the end of each due day raise
//! `auctions.property_payment.overdue` {step, owed} when the step is not met by then (payments
//! count by their `paid_on`).

pub mod rules;

use crate::property::DealTerms;
use crate::store;
use axum::extract::State;
use chrono::NaiveDate;
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::http::{Json, Path};
use ggzy_core::time::{at_local, local_date};
use ggzy_core::{ids, Clock, Error, Money, Result, Timestamp};
use ggzy_events::auctions::{
    PropertyPaymentOverdue, PropertyPaymentRecorded, PropertyPaymentScheduled,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::timers::{self, Timer, TimerHandler};
use ggzy_store::{emit, Ctx, Db, Tx};
use rules::{Paid, Rate, SOURCE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub const PAYMENT_TIMER: &str = "auctions.property_payment_step";

/// The day count convention of the deferred-payment interest, as the view states it.
pub const CONVENTION: &str = "simple interest, Actual/360: calendar days from the first payment's \
    due day to each value date of the balance, 日利率 = 年利率 ÷ 360 (中国人民银行《人民币利率管理规定》 \
    — article to verify); rounded half up to the fen once, on the total";

use crate::store::payments::ScheduleRow as Sched;

impl Sched {
    /// The steps: (name, last day, what must be paid in all by then).
    fn steps(&self) -> Vec<(&'static str, NaiveDate, i64)> {
        match self.balance_due_date {
            Some(b) if self.payment == "instalments" => vec![
                (
                    "first_payment",
                    self.first_due_date,
                    self.first_required_fen,
                ),
                ("balance", b, self.price_fen),
            ],
            _ => vec![("price", self.first_due_date, self.price_fen)],
        }
    }

    fn rate(&self) -> Option<Rate> {
        let p = Decimal::from_str(self.interest_rate_percent.as_deref()?).ok()?;
        Some(Rate {
            annual_percent: p,
            day_basis: u32::try_from(self.interest_day_basis?).ok()?,
        })
    }
}

async fn load(conn: &mut sqlx::AnyConnection, deal_id: &str, lock: &str) -> Result<Sched> {
    if let Some(s) = store::payments::schedule(conn, deal_id, lock).await? {
        return Ok(s);
    }
    let deal = store::deals::deal_exists(conn, deal_id).await?;
    match deal {
        true => Err(Error::conflict(
            "auctions.property_payment_no_schedule",
            "the payment schedule opens with the deal's recorded terms (POST /api/v1/auctions/{id}/deal/terms)",
        )),
        false => Err(Error::not_found("property deal")),
    }
}

/// Everything paid towards the price: the recorded payments and, unless the other shareholders
/// bought by pre-emption (then the winner is not the buyer), the buyer's converted deposit.
async fn paid_list(conn: &mut sqlx::AnyConnection, s: &Sched) -> Result<(Vec<Paid>, i64)> {
    let mut paid: Vec<Paid> = store::payments::payments_paid(conn, &s.deal_id)
        .await?
        .into_iter()
        .map(|p| Paid {
            on: p.value_date,
            fen: p.amount_fen,
        })
        .collect();
    let preempted = store::deals::preemption_buyer(conn, &s.deal_id).await?;
    let mut credit = 0;
    if preempted.as_deref() != Some("shareholders") {
        let credits = store::payments::deposit_credits(conn, &s.deal_id, &s.buyer_org_id).await?;
        for c in credits {
            credit += c.amount_fen;
            paid.push(Paid {
                on: c.value_date,
                fen: c.amount_fen,
            });
        }
    }
    Ok((paid, credit))
}

/// End of a due day (24:00 Beijing time).
fn end_of(d: NaiveDate) -> Timestamp {
    at_local(d.succ_opt().unwrap_or(d), 0, 0, 0)
}

/// The payload of a [`PAYMENT_TIMER`]: which deal, which step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StepDue {
    deal_id: String,
    step: String,
}

/// The deal whose payment schedule opens, and its price.
pub(crate) struct DealPrice<'a> {
    pub(crate) deal_id: &'a str,
    pub(crate) auction_id: &'a str,
    pub(crate) price_fen: i64,
}

/// Open the deal's payment schedule (called in the transaction that records the deal's terms):
/// the due days, the interest rate in force on the contract's effective date, and one timer per
/// step.
pub(crate) async fn open(
    tx: &mut Tx,
    db: &Db,
    (by, now): (&ActorRef, Timestamp),
    deal: DealPrice<'_>,
    t: &DealTerms,
    working_days: u32,
) -> Result<()> {
    let DealPrice {
        deal_id,
        auction_id,
        price_fen,
    } = deal;
    let deal = store::deals::deal_parties(tx, deal_id).await?;
    let cal = db.calendar();
    let first_due = rules::first_due(cal, t.contract_effective_on, working_days).value;
    let (first_required, balance_due) = match (t.payment.as_str(), t.first_payment_fen) {
        ("instalments", Some(first)) => (
            first,
            t.balance_due_on.map(|d| rules::balance_due(cal, d).value),
        ),
        _ => (price_fen, None),
    };
    let rate = if balance_due.is_some() {
        match store::payments::rate_in_force(tx, t.contract_effective_on).await? {
            Some(r) => Some(r),
            // Before the first stored rate: the earliest one (the table says which).
            None => store::payments::earliest_rate(tx).await?,
        }
    } else {
        None
    };
    store::payments::insert_schedule(
        tx,
        &store::payments::NewSchedule {
            deal_id,
            auction_id,
            section_id: &deal.section_id,
            buyer_org_id: &deal.winner_org_id,
            price_fen,
            payment: &t.payment,
            contract_effective_on: t.contract_effective_on,
            first_due_date: first_due,
            first_required_fen: first_required,
            balance_due_date: balance_due,
            rate: rate.as_ref(),
            opened_at: now,
        },
    )
    .await?;
    let first_step = if balance_due.is_some() {
        "first_payment"
    } else {
        "price"
    };
    let mut steps = vec![(first_step, first_due)];
    if let Some(b) = balance_due {
        steps.push(("balance", b));
    }
    for (step, due) in steps {
        let payload = StepDue {
            deal_id: deal_id.to_string(),
            step: step.to_string(),
        };
        timers::schedule(
            tx,
            PAYMENT_TIMER,
            &format!("property-payment:{deal_id}:{step}"),
            end_of(due),
            serde_json::to_value(&payload).map_err(|e| Error::internal(e.to_string()))?,
            now,
        )
        .await?;
    }
    emit(
        tx,
        db,
        by,
        now,
        PropertyPaymentScheduled {
            deal_id: deal_id.to_string(),
            auction_id: auction_id.to_string(),
            section_id: deal.section_id,
            buyer_org_id: deal.winner_org_id,
            price: Money::from_fen(price_fen),
            payment: t.payment.clone(),
            first_due_date: first_due,
            first_required: Money::from_fen(first_required),
            balance_due_date: balance_due,
            interest_rate: rate.map(|r| r.annual_rate_percent),
            source: SOURCE.to_string(),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

/// The projection of `deposits.deposit.converted`: the winner's deposit of a property deal became
/// part of its price. Kept once per conversion; other markets' conversions are ignored.
pub(crate) async fn note_conversion(tx: &mut Tx, ev: &Event) -> Result<()> {
    let c = ggzy_events::deposits::DepositConverted::decode(ev)?;
    let market = store::deals::market_of_deal(tx, &c.deal_id).await?;
    if market.as_deref() != Some("property") {
        return Ok(());
    }
    store::payments::insert_deposit_credit(
        tx,
        &c.conversion_id,
        &c.deal_id,
        &c.org_id,
        c.amount,
        local_date(ev.occurred_at),
        ev.occurred_at,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    /// `price` (lump sum), `first_payment` or `balance` (instalments).
    pub step: String,
    /// The step's last day (Beijing date; it ends at 24:00).
    pub due_date: String,
    /// What must be paid in all by then.
    pub required: String,
    /// What was paid in all by then (value dates), the converted deposit included.
    pub paid_by_due: String,
    /// What is still owed of the step.
    pub owed: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PropertyPaymentView)]
pub struct PaymentView {
    pub amount: String,
    pub paid_on: String,
}

/// The deferred-payment interest (延期付款期间的利息) on the balance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterestView {
    /// The rate row applied (in force on the contract's effective date).
    pub rate_id: String,
    /// Percent per year (one-year LPR).
    pub annual_rate_percent: String,
    pub day_basis: i64,
    pub rate_source: String,
    /// `false`: the rate's value was not confirmed from the official publication (to verify).
    pub rate_verified: bool,
    /// The interest runs from this day (the first payment's due day).
    pub from: String,
    /// The balance (price minus the first payment).
    pub balance: String,
    /// Interest on the balance paid so far, each part to its value date.
    pub on_paid: String,
    /// `on_paid` plus the unpaid balance's interest to `as_of`.
    pub accrued_to_date: String,
    pub as_of: String,
    pub convention: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleView {
    pub deal_id: String,
    pub auction_id: String,
    pub buyer_org_id: String,
    pub price: String,
    /// `lump_sum` or `instalments`.
    pub payment: String,
    pub contract_effective_on: String,
    pub steps: Vec<StepView>,
    /// The buyer's deposit converted into the price (抵作价款), counted as paid.
    pub deposit_credited: String,
    /// Paid in all (payments and the converted deposit).
    pub paid: String,
    pub remaining: String,
    pub payments: Vec<PaymentView>,
    /// Steps found overdue at the end of their due day.
    pub overdue: Vec<String>,
    pub interest: Option<InterestView>,
    pub source: String,
}

async fn view_of(
    conn: &mut sqlx::AnyConnection,
    s: &Sched,
    today: NaiveDate,
) -> Result<ScheduleView> {
    let (paid, credit) = paid_list(conn, s).await?;
    let total: i64 = paid.iter().map(|p| p.fen).sum();
    let steps = s
        .steps()
        .into_iter()
        .map(|(step, due, required)| {
            let by = rules::paid_by(&paid, due);
            StepView {
                step: step.to_string(),
                due_date: due.to_string(),
                required: Money::from_fen(required).to_string(),
                paid_by_due: Money::from_fen(by).to_string(),
                owed: Money::from_fen(rules::owed(&paid, due, required)).to_string(),
                met: by >= required,
            }
        })
        .collect();
    let payments = store::payments::payments(conn, &s.deal_id)
        .await?
        .into_iter()
        .map(|r| PaymentView {
            amount: r.amount_fen.to_string(),
            paid_on: r.paid_on,
        })
        .collect();
    let overdue = store::payments::overdue_steps(conn, &s.deal_id).await?;
    let interest = match (s.rate(), s.interest_rate_id.as_deref()) {
        (Some(rate), Some(rate_id)) => {
            let src = store::payments::rate_source(conn, rate_id).await?;
            let round = |d: Decimal| {
                Money::round_fen(d)
                    .map(|m| m.to_string())
                    .map_err(|e| Error::internal(e.message))
            };
            let (first, due) = (s.first_required_fen, s.first_due_date);
            let on_paid = rules::deferred_interest(rate, s.price_fen, first, due, &paid, None);
            let to_date =
                rules::deferred_interest(rate, s.price_fen, first, due, &paid, Some(today));
            Some(InterestView {
                rate_id: rate_id.to_string(),
                annual_rate_percent: s.interest_rate_percent.clone().unwrap_or_default(),
                day_basis: s.interest_day_basis.unwrap_or_default(),
                rate_source: src.as_ref().map(|r| r.source.clone()).unwrap_or_default(),
                rate_verified: src.is_some_and(|r| r.verified),
                from: due.to_string(),
                balance: Money::from_fen(s.price_fen - first).to_string(),
                on_paid: round(on_paid)?,
                accrued_to_date: round(to_date)?,
                as_of: today.to_string(),
                convention: CONVENTION.to_string(),
            })
        }
        _ => None,
    };
    Ok(ScheduleView {
        deal_id: s.deal_id.clone(),
        auction_id: s.auction_id.clone(),
        buyer_org_id: s.buyer_org_id.clone(),
        price: Money::from_fen(s.price_fen).to_string(),
        payment: s.payment.clone(),
        contract_effective_on: s.contract_effective_on.to_string(),
        steps,
        deposit_credited: Money::from_fen(credit).to_string(),
        paid: Money::from_fen(total).to_string(),
        remaining: Money::from_fen((s.price_fen - total).max(0)).to_string(),
        payments,
        overdue,
        interest,
        source: SOURCE.to_string(),
    })
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(get_schedule))
        .routes(routes!(record_payment))
}

/// A property deal's payment schedule (staff, admin, supervisor; the buyer and the transferor
/// their own deal).
#[utoipa::path(get, path = "/api/v1/property-deals/{deal_id}/schedule", tag = "auctions",
    security(("bearer" = [])), params(("deal_id" = String, Path)),
    responses((status = 200, body = ScheduleView), (status = 403), (status = 404),
              (status = 409, description = "no terms recorded yet")))]
async fn get_schedule(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(deal_id): Path<String>,
) -> Result<Json<ScheduleView>> {
    Ok(Json(view(&ctx, &actor, &deal_id).await?))
}

/// The use case of `GET /api/v1/property-deals/{deal_id}/schedule`: staff, admin and supervisors
/// see every schedule; the buyer and the transferor (转让方) their own deal's; anyone else 404.
pub async fn view(ctx: &Ctx, actor: &Actor, deal_id: &str) -> Result<ScheduleView> {
    actor.require(&[
        Role::Staff,
        Role::Admin,
        Role::Supervisor,
        Role::Bidder,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = load(&mut conn, deal_id, "").await.map_err(|e| {
        // Outside staff learn nothing of a deal that is not theirs, recorded terms or not.
        if actor.sees_everything() {
            e
        } else {
            Error::not_found("property deal")
        }
    })?;
    if !actor.sees_everything() {
        let org = actor.org_id.as_deref().unwrap_or_default();
        let own = org == s.buyer_org_id
            || (!org.is_empty()
                && crate::property::is_transferor(&mut conn, &s.section_id, org).await?);
        if !own {
            return Err(Error::not_found("property deal"));
        }
    }
    view_of(&mut conn, &s, local_date(ctx.clock.now())).await
}

pub use crate::payment::NewPayment;

/// Record a payment of a property deal's price (staff, admin).
#[utoipa::path(post, path = "/api/v1/property-deals/{deal_id}/payments", tag = "auctions",
    security(("bearer" = [])), params(("deal_id" = String, Path)), request_body = NewPayment,
    responses((status = 200, body = ScheduleView), (status = 403), (status = 404),
              (status = 409, description = "no terms recorded yet"), (status = 422)))]
async fn record_payment(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(deal_id): Path<String>,
    Json(b): Json<NewPayment>,
) -> Result<Json<ScheduleView>> {
    Ok(Json(pay(&ctx, &actor, &deal_id, b).await?))
}

/// Record a payment (the use case of `POST /api/v1/property-deals/{deal_id}/payments`).
pub async fn pay(ctx: &Ctx, actor: &Actor, deal_id: &str, b: NewPayment) -> Result<ScheduleView> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = load(&mut tx, deal_id, ctx.db.for_update()).await?;
    let (paid, _) = paid_list(&mut tx, &s).await?;
    let remaining = s.price_fen - paid.iter().map(|p| p.fen).sum::<i64>();
    let amount = crate::payment::check(
        &b,
        &crate::payment::Due {
            market: "property",
            remaining_fen: remaining,
            earliest: (local_date(s.deal_at), "the deal"),
            today: local_date(now),
        },
    )?;
    let pid = ids::new_id();
    store::payments::insert_payment(
        &mut tx,
        &pid,
        &s.deal_id,
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
        PropertyPaymentRecorded {
            deal_id: s.deal_id.clone(),
            auction_id: s.auction_id.clone(),
            payment_id: pid,
            amount,
            paid_on: b.paid_on,
            paid_total: Money::from_fen(s.price_fen - remaining + amount.fen()),
        }
        .encode(),
    )
    .await?;
    let answer = view_of(&mut tx, &s, local_date(now)).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// The end of a due day: raise the overdue alert when the step is not met.
pub struct PaymentStep;

#[async_trait::async_trait]
impl TimerHandler for PaymentStep {
    async fn fire(&self, tx: &mut Tx, db: &Db, clock: &Clock, timer: &Timer) -> Result<()> {
        let due: StepDue = serde_json::from_value(timer.payload.clone()).map_err(|e| {
            Error::internal(format!("{PAYMENT_TIMER} timer {}: payload: {e}", timer.key))
        })?;
        let s = match load(tx, &due.deal_id, db.for_update()).await {
            Ok(s) => s,
            // The deal or its schedule is gone: nothing to check.
            Err(Error::NotFound(_) | Error::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some((step, due_date, required)) =
            s.steps().into_iter().find(|(name, _, _)| *name == due.step)
        else {
            return Ok(());
        };
        let (paid, _) = paid_list(tx, &s).await?;
        let owed = rules::owed(&paid, due_date, required);
        if owed == 0 {
            return Ok(());
        }
        let now = clock.now();
        let raised = store::payments::insert_overdue(tx, &s.deal_id, step, owed, now).await?;
        if raised {
            emit(
                tx,
                db,
                &ActorRef::system("auctions"),
                now,
                PropertyPaymentOverdue {
                    deal_id: s.deal_id.clone(),
                    auction_id: s.auction_id.clone(),
                    section_id: s.section_id.clone(),
                    buyer_org_id: s.buyer_org_id.clone(),
                    step: step.to_string(),
                    due_date,
                    required: Money::from_fen(required),
                    owed: Money::from_fen(owed),
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

    #[test]
    fn a_due_day_ends_at_24_00_beijing() {
        let d: NaiveDate = "2026-04-08".parse().unwrap();
        assert_eq!(end_of(d), at_local("2026-04-09".parse().unwrap(), 0, 0, 0));
    }
}
