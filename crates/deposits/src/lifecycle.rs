//! The deposit after the bid deadline: status fixed at the deadline, refunds triggered by the
//! project's lifecycle (award, contract, withdrawal, failure, termination) with their legal due
//! dates and interest, the daily refund job (instructions, retries, overdue alerts), the bank's
//! signed refund confirmation (paid exactly once), and guarantee release.

use crate::ledger::{Account, AccountType, Entry};
use crate::rules::{
    self, assess, interest_computation, refund_case, refund_due, refund_period, Assessment,
    DepositStatus, RefundTrigger,
};
use crate::service::{credits_of, post_entry, section_info, SectionInfo};
use crate::store;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::ident::Market;
use ggzy_core::time::local_date;
use ggzy_core::{ids, Clock, Error, Money, Result, Timestamp};
use ggzy_events::auctions::{AuctionFailed, DealConfirmed, ListingFailed, ListingRelisted};
use ggzy_events::deposits::{DepositConverted, DepositStatusFixed, RefundDueRederived, RefundHeld};
use ggzy_events::projects::{
    AwardConfirmed, BidRevoked, BidWithdrawn, ContractSigned, RegistrationCreated, SectionClosed,
    SectionDeadlineChanged, SectionFailed, SectionTerminated,
};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::uow::Uow;
use ggzy_store::{emit, emit_when_changed, Ctx, Db, Tx};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use utoipa::ToSchema;

mod refund_job;
mod refunds;

pub use refund_job::*;
pub use refunds::*;

pub const SECTION_CLOSED: &str = SectionClosed::NAME;
pub const DEADLINE_CHANGED: &str = SectionDeadlineChanged::NAME;
pub const REGISTRATION_CREATED: &str = RegistrationCreated::NAME;
pub const AWARD_CONFIRMED: &str = AwardConfirmed::NAME;
pub const CONTRACT_SIGNED: &str = ContractSigned::NAME;
pub const SECTION_FAILED: &str = SectionFailed::NAME;
pub const SECTION_TERMINATED: &str = SectionTerminated::NAME;
pub const BID_WITHDRAWN: &str = BidWithdrawn::NAME;
pub const BID_REVOKED: &str = BidRevoked::NAME;
pub const DEAL_CONFIRMED: &str = DealConfirmed::NAME;
pub const LISTING_FAILED: &str = ListingFailed::NAME;
pub const AUCTION_FAILED: &str = AuctionFailed::NAME;
pub const RELISTED: &str = ListingRelisted::NAME;

/// Events of other areas this module consumes (through [`crate::projection::Projection`], so that
/// they are handled in log order after the section and registration they refer to).
pub const WANTS: [&str; 14] = [
    ggzy_store::calendar::IMPORTED,
    SECTION_CLOSED,
    DEADLINE_CHANGED,
    REGISTRATION_CREATED,
    AWARD_CONFIRMED,
    CONTRACT_SIGNED,
    SECTION_FAILED,
    SECTION_TERMINATED,
    BID_WITHDRAWN,
    BID_REVOKED,
    DEAL_CONFIRMED,
    LISTING_FAILED,
    AUCTION_FAILED,
    RELISTED,
];

/// Every organization known to take part in a section: registrations, virtual accounts,
/// guarantees.
pub(crate) async fn participants(c: &mut AnyConnection, section_id: &str) -> Result<Vec<String>> {
    let mut out = store::sections::participants(c, section_id).await?;
    out.sort();
    Ok(out)
}

/// The deposit of one participant right now: cash by the validity rule, or an active guarantee
/// recorded before the deadline. Returns the assessment and the form (`cash`, `guarantee`, `none`).
pub(crate) async fn current_assessment(
    c: &mut AnyConnection,
    sec: &SectionInfo,
    section_id: &str,
    org_id: &str,
) -> Result<(Assessment, &'static str)> {
    let credits = credits_of(&mut *c, org_id, section_id).await?;
    let cash = assess(sec.deposit_fen, sec.bid_deadline, &credits);
    if cash.status == DepositStatus::Valid {
        return Ok((cash, "cash"));
    }
    let g = store::guarantees::active(c, section_id, org_id).await?;
    if let Some(g) = g {
        let amount = g.amount_fen.fen();
        let at = g.created_at;
        if amount >= sec.deposit_fen && at < sec.bid_deadline {
            return Ok((
                Assessment {
                    status: DepositStatus::Valid,
                    reason: None,
                    counted_fen: sec.deposit_fen,
                    excess_fen: cash.excess_fen + cash.counted_fen,
                },
                "guarantee",
            ));
        }
    }
    let form = if credits.is_empty() { "none" } else { "cash" };
    Ok((cash, form))
}

fn status_str(s: DepositStatus) -> &'static str {
    store::settlements::status_code(&s)
}

/// Dispatch of the consumed lifecycle events (inside the consumer's transaction). Each payload is
/// decoded through its contract (ggzy-events); an event this area cannot decode is an error, which
/// the consumer machinery parks with an alert (`consumer.event.parked`) — never skipped.
pub async fn handle(tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
    let now = clock.now();
    let by = ActorRef::system("deposits.lifecycle");
    match ev.event_type.as_str() {
        REGISTRATION_CREATED => {
            let r = RegistrationCreated::decode(ev)?;
            store::sections::insert_registration(
                tx,
                &r.section_id,
                &r.org_id,
                &r.registration_id,
                ev.occurred_at,
            )
            .await?;
        }
        DEADLINE_CHANGED => {
            // The new deadline is required by the contract: no fallback to the event time.
            let d = SectionDeadlineChanged::decode(ev)?;
            store::sections::set_deadline(tx, &d.section_id, d.new_deadline, now).await?;
        }
        SECTION_CLOSED => {
            let c = SectionClosed::decode(ev)?;
            fix_statuses(tx, db, &by, now, &c.section_id).await?
        }
        BID_REVOKED => {
            let b = BidRevoked::decode(ev)?;
            store::sections::insert_revocation(
                tx,
                store::sections::Revoked {
                    bid_id: &b.bid_id,
                    section_id: &b.section_id,
                    org_id: &b.org_id,
                    reason: &b.reason,
                    at: ev.occurred_at,
                },
            )
            .await?;
        }
        AWARD_CONFIRMED | CONTRACT_SIGNED | SECTION_FAILED | SECTION_TERMINATED | BID_WITHDRAWN => {
            settle(tx, db, &by, ev, now).await?;
        }
        DEAL_CONFIRMED => deal_confirmed(tx, db, &by, now, ev).await?,
        LISTING_FAILED | AUCTION_FAILED => auction_failed(tx, db, ev, now).await?,
        ggzy_store::calendar::IMPORTED => rederive_provisional(tx, db, &by, now).await?,
        RELISTED => relisted(tx, db, &by, now, ev).await?,
        _ => {}
    }
    Ok(())
}

/// At the bid deadline: fix every participant's deposit status once and tell the opening record.
async fn fix_statuses(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
) -> Result<()> {
    let Some(sec) = section_info(&mut **tx, section_id).await? else {
        // A section this area never saw (no deposit required of it).
        return Ok(());
    };
    for org_id in participants(tx, section_id).await? {
        let (a, form) = current_assessment(tx, &sec, section_id, &org_id).await?;
        let q = store::settlements::insert_fixed_status(store::settlements::Fixed {
            section_id,
            org_id: &org_id,
            status: a.status,
            reason: a.reason,
            form,
            counted_fen: a.counted_fen,
            at: now,
        });
        emit_when_changed(tx, db, by, now, q, || {
            DepositStatusFixed {
                section_id: section_id.to_string(),
                org_id: org_id.clone(),
                status: status_str(a.status).to_string(),
                reason: a.reason.map(str::to_string),
                form: Some(form.to_string()),
                counted: Some(Money::from_fen(a.counted_fen)),
            }
            .encode()
        })
        .await?;
    }
    Ok(())
}

/// Record why and by when each affected participant's deposit is refunded (first trigger wins).
async fn settle(tx: &mut Tx, db: &Db, by: &ActorRef, ev: &Event, now: Timestamp) -> Result<()> {
    // The section, the market the event names, the trigger and its time, the organizations the
    // event itself names, the winner, and whether every participant is concerned.
    let (section_id, market, trigger, at, named, winner, everyone) = match ev.event_type.as_str() {
        AWARD_CONFIRMED => {
            let a = AwardConfirmed::decode(ev)?;
            let at = a.awarded_at.unwrap_or(ev.occurred_at);
            let w = Some(a.winner_org_id);
            (
                a.section_id,
                a.market,
                RefundTrigger::Award,
                at,
                a.bidder_org_ids,
                w,
                true,
            )
        }
        CONTRACT_SIGNED => {
            let c = ContractSigned::decode(ev)?;
            let at = c.signed_at.unwrap_or(ev.occurred_at);
            let w = c.winner_org_id;
            (
                c.section_id,
                c.market,
                RefundTrigger::ContractSigned,
                at,
                vec![],
                w,
                true,
            )
        }
        BID_WITHDRAWN => {
            let b = BidWithdrawn::decode(ev)?;
            let at = ev.occurred_at;
            (
                b.section_id,
                b.market,
                RefundTrigger::Withdrawal,
                at,
                vec![b.org_id],
                None,
                false,
            )
        }
        SECTION_FAILED => {
            let f = SectionFailed::decode(ev)?;
            let at = ev.occurred_at;
            (
                f.section_id,
                f.market,
                RefundTrigger::Termination,
                at,
                vec![],
                None,
                true,
            )
        }
        _ => {
            let t = SectionTerminated::decode(ev)?;
            let at = ev.occurred_at;
            (
                t.section_id,
                t.market,
                RefundTrigger::Termination,
                at,
                vec![],
                None,
                true,
            )
        }
    };
    let Some(market) = event_market(tx, market.as_deref(), &section_id).await? else {
        return Ok(());
    };
    let mut orgs = if everyone {
        participants(tx, &section_id).await?
    } else {
        Vec::new()
    };
    orgs.extend(named);
    let winner = winner.unwrap_or_default();
    // A land tender (招标出让): the winner's deposit becomes part of the price at the award (39号令
    // 第二十一条), like a land deal's; only an overpayment beyond it is refunded.
    if market == Market::Land && ev.event_type == AWARD_CONFIRMED {
        let a = AwardConfirmed::decode(ev)?;
        let deal = a
            .notice_no
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("award:{section_id}"));
        let price = a.price.unwrap_or(Money::ZERO);
        let left = convert_winner_deposit(
            &mut Uow::within(tx, db, by.clone(), now),
            &section_id,
            &winner,
            &deal,
            price,
            market,
        )
        .await?;
        if left <= 0 {
            orgs.retain(|o| *o != winner);
        }
    }
    record_settlements(
        &mut Uow::within(tx, db, by.clone(), now),
        ev,
        Ending {
            section_id: &section_id,
            market,
            trigger,
            at,
            winner: &winner,
        },
        orgs,
    )
    .await
}

/// How a section's deposits end: the section, its market, the trigger, when, and the winner (none:
/// `""`).
struct Ending<'a> {
    section_id: &'a str,
    market: Market,
    trigger: RefundTrigger,
    at: Timestamp,
    winner: &'a str,
}

/// One settlement per organization (first trigger wins: an existing row is kept).
async fn record_settlements(
    u: &mut Uow<'_>,
    ev: &Event,
    ending: Ending<'_>,
    orgs: Vec<String>,
) -> Result<()> {
    let Ending {
        section_id,
        market,
        trigger,
        at,
        winner,
    } = ending;
    let db = u.db;
    let now = u.now;
    let section_id = section_id.to_string();
    // The live calendar (compiled-in years + imported schedules), never an error: a due date in a
    // year without a schedule is provisional (weekends only), noted for the alert, and re-derived
    // when the year is imported (`rederive_provisional`). Failing here stopped every market's
    // deposits (the consumer retried the same batch for ever).
    let cal = db.calendar();
    let event_date = local_date(at);
    let mut orgs = orgs;
    orgs.sort();
    orgs.dedup();
    for org_id in orgs {
        let Some(case) = refund_case(market, trigger, org_id == winner) else {
            continue;
        };
        let due = refund_due(case, event_date, cal);
        if due.provisional() {
            ggzy_store::calendar::note_missing(
                u.tx(),
                db,
                now,
                &due.missing,
                "deposits.refund_due",
            )
            .await?;
        }
        store::settlements::insert_settlement(
            u.tx(),
            store::settlements::NewSettlement {
                section_id: &section_id,
                org_id: &org_id,
                refund_case: case.as_str(),
                event_type: &ev.event_type,
                event_date: event_date.to_string(),
                due_date: due.value.to_string(),
                basis: refund_period(case).source,
                at: now,
                provisional: due.provisional(),
            },
        )
        .await?;
    }
    Ok(())
}

/// A holiday schedule was imported (`calendar.schedule.imported`): every provisional refund due date
/// is computed again with the live calendar; the settlement and its unpaid instructions take the new
/// date (still provisional if another year is missing), with one `deposits.refund_due.rederived`
/// event per changed settlement.
async fn rederive_provisional(tx: &mut Tx, db: &Db, by: &ActorRef, now: Timestamp) -> Result<()> {
    // This instance may not have loaded the import yet (it was made elsewhere): load it first.
    ggzy_store::calendar::refresh(db).await?;
    let cal = db.calendar();
    let rows = store::settlements::provisional(tx).await?;
    for r in rows {
        let store::settlements::ProvisionalRow {
            section_id,
            org_id,
            refund_case: case_s,
            event_date,
            due_date: old,
        } = r;
        let Some(case) = rules::RefundCase::parse(&case_s) else {
            continue;
        };
        let event_date = date(&event_date)?;
        let due = refund_due(case, event_date, cal);
        if due.provisional() {
            ggzy_store::calendar::note_missing(tx, db, now, &due.missing, "deposits.refund_due")
                .await?;
        }
        store::settlements::set_due_date(
            tx,
            &section_id,
            &org_id,
            due.value.to_string(),
            due.provisional(),
        )
        .await?;
        store::refunds::set_due_date(
            tx,
            &format!("{org_id}/{section_id}"),
            due.value.to_string(),
            due.provisional(),
        )
        .await?;
        emit(
            tx,
            db,
            by,
            now,
            RefundDueRederived {
                section_id,
                org_id,
                refund_case: case_s,
                event_date,
                previous_due_date: date(&old)?,
                due_date: due.value,
                provisional: due.provisional(),
                basis: refund_period(case).source.into(),
            }
            .encode(),
        )
        .await?;
    }
    Ok(())
}

/// The market of an event: its own field, else the section's (None: a section this area never saw).
async fn event_market(
    tx: &mut Tx,
    market: Option<&str>,
    section_id: &str,
) -> Result<Option<Market>> {
    if let Some(Ok(m)) = market.map(Market::parse) {
        return Ok(Some(m));
    }
    Ok(section_info(&mut **tx, section_id).await?.map(|s| s.market))
}

/// A land or property deal (成交确认书, `auctions.deal.confirmed`): the winner's deposit up to the
/// required amount becomes part of the price (39号令 21), once per (section, winner) whatever the
/// redeliveries; every other bidder's deposit — and the winner's money beyond the deposit — is
/// settled for refund with the land / property period. A deal shared by several investors
/// (`co_winners`, a capital increase) converts each one's deposit the same way.
async fn deal_confirmed(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    ev: &Event,
) -> Result<()> {
    let d = DealConfirmed::decode(ev)?;
    let (section_id, winner, deal_id, price) = (d.section_id, d.winner_org_id, d.deal_id, d.price);
    let at = d.confirmed_at.unwrap_or(ev.occurred_at);
    let Some(market) = event_market(tx, d.market.as_deref(), &section_id).await? else {
        return Ok(());
    };
    // A deal shared by several investors (a capital increase): every one of them is a winner,
    // each converting its own deposit towards its own amount; `price` is their total.
    let co = d.co_winners.unwrap_or_default();
    let own = Money::from_fen(price.fen() - co.iter().map(|c| c.amount.fen()).sum::<i64>());
    let mut winners = vec![(winner.clone(), own)];
    winners.extend(co.into_iter().map(|c| (c.org_id, c.amount)));
    let mut orgs = participants(tx, &section_id).await?;
    orgs.extend(d.bidder_org_ids);
    orgs.extend(d.loser_org_ids);
    for (org, amount) in &winners {
        let left = convert_winner_deposit(
            &mut Uow::within(tx, db, by.clone(), now),
            &section_id,
            org,
            &deal_id,
            *amount,
            market,
        )
        .await?;
        // A winner is refunded only what is left beyond the converted deposit (overpayment).
        if left <= 0 {
            orgs.retain(|o| o != org);
        }
    }
    record_settlements(
        &mut Uow::within(tx, db, by.clone(), now),
        ev,
        Ending {
            section_id: &section_id,
            market,
            trigger: RefundTrigger::AuctionEnded,
            at,
            winner: &winner,
        },
        orgs,
    )
    .await
}

/// The winner's deposit, up to the required amount, becomes part of the price (抵作价款: 39号令 第
/// 二十一条 for land listings, auctions and tenders; property by its exchange rules) — once per
/// (section, winner) and per deal whatever the redeliveries. Returns what the winner still holds
/// beyond it (an overpayment, refunded like the others' deposits).
async fn convert_winner_deposit(
    u: &mut Uow<'_>,
    section_id: &str,
    winner: &str,
    deal_id: &str,
    price: Money,
    market: Market,
) -> Result<i64> {
    let db = u.db;
    let now = u.now;
    let key = format!("{winner}/{section_id}");
    // Serialize with receipts into the same virtual account (PostgreSQL; SQLite has one writer).
    store::accounts::lock_account(u.tx(), db, winner, section_id).await?;
    let held = liability_balance(u.tx(), AccountType::DepositLiability, &key).await?;
    let required = section_info(&mut **u.tx(), section_id)
        .await?
        .map(|s| s.deposit_fen)
        .unwrap_or(held);
    let amount = rules::conversion_amount(held, required);
    if amount > 0 {
        let basis = rules::conversion_basis(market);
        let id = ids::new_id();
        let n = store::settlements::insert_conversion(
            u.tx(),
            store::settlements::NewConversion {
                id: &id,
                deal_id,
                section_id,
                org_id: winner,
                amount_fen: amount,
                price,
                basis,
                at: now,
            },
        )
        .await?;
        if n == 1 {
            let entry =
                Entry::convert_to_price(Account::liability(winner, section_id), section_id, amount)
                    .map_err(|e| Error::internal(e.to_string()))?;
            post_entry(u.tx(), &entry, None, now).await?;
            u.emit(
                DepositConverted {
                    conversion_id: id,
                    section_id: section_id.into(),
                    org_id: winner.into(),
                    deal_id: deal_id.into(),
                    amount: Money::from_fen(amount),
                    price,
                    remaining_price: Money::from_fen((price.fen() - amount).max(0)),
                    basis: basis.into(),
                }
                .encode(),
            )
            .await?;
        }
    }
    liability_balance(u.tx(), AccountType::DepositLiability, &key).await
}

/// A failed listing or auction (流拍): every bidder's deposit is settled for refund.
async fn auction_failed(tx: &mut Tx, db: &Db, ev: &Event, now: Timestamp) -> Result<()> {
    // A failed listing and a failed auction share one payload shape.
    let f = if ev.event_type == LISTING_FAILED {
        let l = ListingFailed::decode(ev)?;
        (l.section_id, l.market, l.failed_at, l.bidder_org_ids)
    } else {
        let a = AuctionFailed::decode(ev)?;
        (a.section_id, a.market, a.failed_at, a.bidder_org_ids)
    };
    let (section_id, market, failed_at, bidders) = f;
    let at = failed_at.unwrap_or(ev.occurred_at);
    let Some(market) = event_market(tx, market.as_deref(), &section_id).await? else {
        return Ok(());
    };
    let mut orgs = participants(tx, &section_id).await?;
    orgs.extend(bidders);
    record_settlements(
        &mut Uow::within(tx, db, ActorRef::system("deposits.lifecycle"), now),
        ev,
        Ending {
            section_id: &section_id,
            market,
            trigger: RefundTrigger::AuctionEnded,
            at,
            winner: "",
        },
        orgs,
    )
    .await
}

/// A failed listing re-listed (重新挂牌): its bidders and their numbers carry over, so their deposits
/// stay for the next round. Every refund the failure settled and the daily job has not instructed
/// yet is withdrawn (`deposits.refund.held`); a refund already instructed is not taken back (the
/// bidder pays again to bid). The next round's deal or failure settles them afresh.
async fn relisted(tx: &mut Tx, db: &Db, by: &ActorRef, now: Timestamp, ev: &Event) -> Result<()> {
    let relisted = ListingRelisted::decode(ev)?;
    let section_id = relisted.section_id.clone();
    let orgs =
        store::settlements::settled_unrefunded(tx, &section_id, (LISTING_FAILED, AUCTION_FAILED))
            .await?;
    for org_id in orgs {
        let q = store::settlements::delete_settlement(
            &section_id,
            &org_id,
            (LISTING_FAILED, AUCTION_FAILED),
        );
        emit_when_changed(tx, db, by, now, q, || {
            RefundHeld {
                section_id: section_id.clone(),
                org_id: org_id.clone(),
                reason: "relisted".into(),
                auction_id: relisted.auction_id.clone(),
                round: relisted.round,
            }
            .encode()
        })
        .await?;
    }
    Ok(())
}
