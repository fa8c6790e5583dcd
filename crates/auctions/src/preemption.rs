//! Shareholders' pre-emption rights (优先购买权) on a limited company's equity transfer, issue 21.
//!
//! 公司法 (2023 rev.) 第八十四条: a shareholder transferring equity to an outsider notifies the other
//! shareholders in writing of the quantity, price, payment method and term; they have a pre-emption
//! right on the same terms (同等条件); two or more exercising it agree their proportions, failing
//! that they buy in proportion to their capital contributions. On the platform the price and terms
//! are formed by the listing or auction, so after the deal staff record, once, every other
//! shareholder with its written decision (a waiver 放弃 or an exercise 行使, the document hashed):
//! if none exercises, the auction winner buys; otherwise the exercising shareholder(s) buy at the
//! deal price — exactly that price, the same terms — each for its share.
//!
//! [`decide`] is pure; [`record`] and [`view`] touch this area's own tables only
//! (`auction_preemptions`, `auction_preemption_shareholders`, migration 0202).

use base64::Engine as _;
use chrono::NaiveDate;
use ggzy_core::error::FieldError;
use ggzy_core::ident::Uscc;
use ggzy_core::{Money, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// A written decision's document may be at most this large (bytes, decoded).
pub const DOCUMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// At most this many other shareholders per record.
pub const MAX_SHAREHOLDERS: usize = 50;

/// The written decision (书面放弃声明 / 行使优先购买权的书面通知) as uploaded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DocumentUpload {
    pub file_name: String,
    /// The document's bytes, base64 (standard alphabet).
    pub content_base64: String,
}

/// One other shareholder of the company whose equity is transferred.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ShareholderInput {
    /// The shareholder's name (an organization or a natural person).
    pub name: String,
    /// Its unified social credit code (统一社会信用代码); absent for a natural person.
    pub uscc: Option<String>,
    /// `waived` (放弃), `exercised` (行使) or `deemed_waived` (视为放弃: no answer within 30 days
    /// of the written notice, 公司法 第八十四条).
    pub decision: String,
    /// The date of the written decision (YYYY-MM-DD); not after today (Beijing). For
    /// `deemed_waived`: the date the shareholder received the written notice (接到书面通知之日).
    pub decided_on: NaiveDate,
    /// The price at which it exercises: exactly the deal price (同等条件). Required when exercised.
    pub price: Option<String>,
    /// Its share of the transferred equity in percent, two decimals (e.g. "60.00"): required when
    /// two or more exercise (agreed, else by capital contribution — 第八十四条), 100 % when alone.
    pub share_percent: Option<String>,
    pub document: DocumentUpload,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PreemptionInput {
    pub shareholders: Vec<ShareholderInput>,
}

/// A validated shareholder decision.
#[derive(Debug, Clone)]
pub struct Decision {
    pub name: String,
    pub uscc: Option<String>,
    pub exercised: bool,
    /// Deemed to waive: no answer within 30 days of the written notice.
    pub deemed: bool,
    pub decided_on: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_b64: String,
    /// Basis points of the equity bought (exercised only).
    pub share_bp: Option<i64>,
    /// The amount paid at the deal price (exercised only), in fen.
    pub amount_fen: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareholderView {
    pub name: String,
    pub uscc: Option<String>,
    pub decision: String,
    pub decided_on: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub share_percent: Option<String>,
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreemptionView {
    pub deal_id: String,
    pub auction_id: String,
    /// The deal price (成交价), the same terms for every buyer.
    pub price: String,
    /// `auction_winner` (every shareholder waived) or `shareholders` (one or more exercised).
    pub buyer: String,
    /// The auction winner's bidder number (only when it buys).
    pub winner_number: Option<String>,
    pub shareholders: Vec<ShareholderView>,
    pub recorded_by: String,
    pub recorded_at: String,
}

fn err(v: &mut Vec<FieldError>, field: String, rule: &str, msg: impl Into<String>) {
    v.push(FieldError::new(field, rule, msg.into()));
}

/// Validate the shareholders' decisions against the deal price on `today` (Beijing): every field
/// present, no shareholder twice, each decision with its written document dated not after today;
/// an exercise at exactly the deal price; two or more exercising name shares summing to 100.00 %.
/// The amounts are the price times each share, rounded to the fen, the last taking the remainder.
pub fn decide(
    price_fen: i64,
    input: &PreemptionInput,
    today: NaiveDate,
) -> std::result::Result<Vec<Decision>, Vec<FieldError>> {
    let mut v = Vec::new();
    if input.shareholders.is_empty() || input.shareholders.len() > MAX_SHAREHOLDERS {
        err(
            &mut v,
            "shareholders".into(),
            "auctions.preemption_shareholders",
            format!(
                "the other shareholders, 1 to {MAX_SHAREHOLDERS} (公司法 第八十四条: each is notified)"
            ),
        );
        return Err(v);
    }
    let exercising = input
        .shareholders
        .iter()
        .filter(|s| s.decision == "exercised")
        .count();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in input.shareholders.iter().enumerate() {
        let f = |k: &str| format!("shareholders[{i}].{k}");
        let name = s.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            err(
                &mut v,
                f("name"),
                "auctions.preemption_field",
                "required, at most 200 characters",
            );
        }
        let uscc = match s.uscc.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => match Uscc::parse(u) {
                Ok(u) => Some(u.as_str().to_string()),
                Err(e) => {
                    err(&mut v, f("uscc"), &e.rule, e.message);
                    None
                }
            },
        };
        let key = uscc.clone().unwrap_or_else(|| name.clone());
        if !seen.insert(key) {
            err(
                &mut v,
                f("name"),
                "auctions.preemption_duplicate",
                "each shareholder once",
            );
        }
        let exercised = match s.decision.as_str() {
            "exercised" => true,
            "waived" | "deemed_waived" => false,
            _ => {
                err(
                    &mut v,
                    f("decision"),
                    "auctions.preemption_decision",
                    "waived, exercised or deemed_waived",
                );
                false
            }
        };
        if s.decided_on > today {
            err(
                &mut v,
                f("decided_on"),
                "auctions.preemption_date",
                format!("the written decision is dated on or before today ({today})"),
            );
        }
        let file_name = s.document.file_name.trim().to_string();
        if file_name.is_empty() || file_name.chars().count() > 200 {
            err(
                &mut v,
                f("document.file_name"),
                "auctions.preemption_field",
                "required, at most 200 characters",
            );
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.document.content_base64.trim())
            .ok()
            .filter(|b| !b.is_empty() && b.len() <= DOCUMENT_MAX_BYTES);
        if bytes.is_none() {
            err(
                &mut v,
                f("document.content_base64"),
                "auctions.preemption_document",
                format!(
                    "the written decision, base64, not empty, at most {DOCUMENT_MAX_BYTES} bytes"
                ),
            );
        }
        let mut share_bp = None;
        if exercised {
            match s.price.as_deref().map(Money::parse_str) {
                Some(Ok(p)) if p.fen() == price_fen => {}
                _ => err(
                    &mut v,
                    f("price"),
                    "auctions.preemption_same_terms",
                    format!(
                        "a shareholder exercises on the same terms: exactly the deal price {} \
                         (公司法 第八十四条 同等条件)",
                        Money::from_fen(price_fen)
                    ),
                ),
            }
            share_bp = match (exercising, s.share_percent.as_deref()) {
                (1, None) => Some(10_000),
                (_, Some(p)) => match Money::parse_str(p) {
                    Ok(m) if m.fen() > 0 && m.fen() <= 10_000 => Some(m.fen()),
                    _ => None,
                },
                _ => None,
            };
            if share_bp.is_none() {
                err(
                    &mut v,
                    f("share_percent"),
                    "auctions.preemption_share",
                    "the share bought, percent with two decimals above 0 and at most 100 \
                     (required when two or more exercise: agreed, else by capital contribution, \
                     公司法 第八十四条)",
                );
            }
        }
        if let Some(b) = bytes {
            out.push(Decision {
                name,
                uscc,
                exercised,
                deemed: s.decision == "deemed_waived",
                decided_on: s.decided_on,
                file_name,
                sha256: hex::encode(Sha256::digest(&b)),
                size_bytes: b.len() as i64,
                content_b64: s.document.content_base64.trim().to_string(),
                share_bp,
                amount_fen: None,
            });
        }
    }
    if v.is_empty() && exercising > 0 {
        let total: i64 = out.iter().filter_map(|d| d.share_bp).sum();
        if total != 10_000 {
            err(
                &mut v,
                "shareholders".into(),
                "auctions.preemption_share_total",
                format!(
                    "the exercising shareholders' shares sum to 100.00 %, not {}",
                    Money::from_fen(total)
                ),
            );
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    // Amounts: each share of the price rounded half up to the fen, the last exerciser the rest.
    let last = out.iter().rposition(|d| d.exercised);
    let mut paid = 0i64;
    for (i, d) in out.iter_mut().enumerate() {
        if let Some(bp) = d.share_bp {
            let amount = if Some(i) == last {
                price_fen - paid
            } else {
                ((price_fen as i128 * bp as i128 + 5_000) / 10_000) as i64
            };
            paid += amount;
            d.amount_fen = Some(amount);
        }
    }
    Ok(out)
}

/// 公司法 (2023 rev.) 第八十四条: 股东自接到书面通知之日起三十日内未答复的，视为放弃优先购买权. A
/// `deemed_waived` shareholder's 30 days run from the day after it received the notice
/// (`decided_on`; 民法典 第二百零一条), a last day off moving to the next working day (第二百零三条);
/// it is deemed to waive only from the day after that last day. Returns the errors for the
/// shareholders recorded as deemed too early.
pub fn check_deemed_waivers(
    cal: &ggzy_core::calendar::BusinessCalendar,
    input: &PreemptionInput,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut v = Vec::new();
    for (i, s) in input.shareholders.iter().enumerate() {
        if s.decision != "deemed_waived" {
            continue;
        }
        let last = ggzy_core::period::last_day(
            cal,
            s.decided_on,
            ggzy_core::period::Days::calendar(DEEMED_WAIVER_DAYS),
        )
        .value;
        if today <= last {
            err(
                &mut v,
                format!("shareholders[{i}].decided_on"),
                "auctions.preemption_deemed_early",
                format!(
                    "a shareholder that received the written notice on {} may answer until {last}; \
                     it is deemed to waive from the day after (公司法 第八十四条: 三十日内未答复的，视为放弃)",
                    s.decided_on
                ),
            );
        }
    }
    v
}

/// 公司法 第八十四条: the days a notified shareholder has to answer.
pub const DEEMED_WAIVER_DAYS: u32 = 30;

/// The recorded pre-emption decisions of an auction's deal, if any.
pub async fn view_of(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<PreemptionView>> {
    let r = crate::store::deals::preemption_of_auction(conn, auction_id).await?;
    let Some(r) = r else { return Ok(None) };
    let deal_id: String = r.deal_id;
    let buyer: String = r.buyer;
    let rows = crate::store::deals::shareholders(conn, &deal_id).await?;
    let mut shareholders = Vec::new();
    for s in rows {
        shareholders.push(ShareholderView {
            name: s.name,
            uscc: s.uscc,
            decision: if s.deemed {
                "deemed_waived".to_string()
            } else {
                s.decision
            },
            decided_on: s.decided_on,
            file_name: s.file_name,
            sha256: s.sha256,
            size_bytes: s.size_bytes,
            share_percent: s.share_bp.map(|b| b.to_string()),
            amount: s.amount_fen.map(|f| f.to_string()),
        });
    }
    Ok(Some(PreemptionView {
        winner_number: if buyer == "auction_winner" {
            r.winner_number
        } else {
            None
        },
        deal_id,
        auction_id: auction_id.to_string(),
        price: r.price_fen.to_string(),
        buyer,
        shareholders,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at.to_rfc3339(),
    }))
}

/// Record the other shareholders' decisions on a property deal (staff, admin), once per deal,
/// in one transaction with the event `auctions.deal.preemption_recorded` naming the buyer(s).
pub async fn record(
    ctx: &ggzy_store::Ctx,
    actor: &ggzy_identity::Actor,
    auction_id: &str,
    input: PreemptionInput,
) -> Result<PreemptionView> {
    use ggzy_core::Error;
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let row = crate::property::deal_row(&ctx.db, auction_id).await?;
    let crate::property::DealRow {
        market,
        phase,
        section_id,
        project_id,
        deal_id: deal,
        price_fen,
        winner_number,
    } = row;
    if market != "property" {
        return Err(Error::conflict(
            "auctions.preemption_property",
            "pre-emption rights are recorded for property (equity) transfers",
        ));
    }
    let (Some(deal_id), Some(price_fen), crate::rules::Phase::Deal) = (deal, price_fen, phase)
    else {
        return Err(Error::conflict(
            "auctions.not_deal",
            format!("pre-emption is exercised at the deal price; this listing is {phase}"),
        ));
    };
    let today = ggzy_core::time::local_date(now);
    let early = check_deemed_waivers(&ctx.calendar, &input, today);
    let decisions = match decide(price_fen, &input, today) {
        Ok(d) if early.is_empty() => d,
        Ok(_) => return Err(Error::Validation(early)),
        Err(mut v) => {
            v.extend(early);
            return Err(Error::Validation(v));
        }
    };
    let buyer = if decisions.iter().any(|d| d.exercised) {
        "shareholders"
    } else {
        "auction_winner"
    };
    let mut tx = ctx.db.begin().await?;
    let recorded = crate::store::deals::insert_preemption(
        &mut tx,
        &deal_id,
        auction_id,
        buyer,
        price_fen,
        &actor.user_id,
        now,
    )
    .await?;
    if !recorded {
        tx.rollback().await?;
        return Err(Error::conflict(
            "auctions.preemption_recorded",
            "this deal's pre-emption decisions are already recorded",
        ));
    }
    for (i, d) in decisions.iter().enumerate() {
        crate::store::deals::insert_shareholder(&mut tx, &deal_id, i as i32, d).await?;
    }
    let answer = view_of(&mut tx, auction_id)
        .await?
        .ok_or_else(|| Error::internal("pre-emption just recorded"))?;
    let buyers: Vec<_> = answer
        .shareholders
        .iter()
        .filter(|s| s.decision == "exercised")
        .map(|s| {
            Ok(ggzy_events::auctions::PreemptionBuyer {
                name: s.name.clone(),
                uscc: s.uscc.clone(),
                share_percent: s.share_percent.clone(),
                amount: s.amount.as_deref().map(Money::parse_str).transpose()?,
            })
        })
        .collect::<std::result::Result<_, FieldError>>()
        .map_err(|e| ggzy_core::Error::internal(format!("pre-emption amount: {}", e.message)))?;
    let waived = answer
        .shareholders
        .iter()
        .filter(|s| s.decision == "waived" || s.decision == "deemed_waived")
        .map(|s| ggzy_events::auctions::PreemptionWaiver {
            name: s.name.clone(),
            uscc: s.uscc.clone(),
            sha256: s.sha256.clone(),
            deemed: s.decision == "deemed_waived",
        })
        .collect();
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::auctions::PreemptionRecorded {
            auction_id: auction_id.to_string(),
            deal_id: deal_id.clone(),
            section_id: section_id.clone(),
            project_id: project_id.clone(),
            market: market.clone(),
            price: Money::from_fen(price_fen),
            buyer: buyer.to_string(),
            winner_number: winner_number.clone(),
            buyers,
            waived,
        }),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

/// The recorded decisions (staff, admin, supervisor); 404 while none are recorded.
pub async fn view(
    ctx: &ggzy_store::Ctx,
    actor: &ggzy_identity::Actor,
    auction_id: &str,
) -> Result<PreemptionView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let mut conn = ctx.db.pool().acquire().await?;
    view_of(&mut conn, auction_id)
        .await?
        .ok_or_else(|| ggzy_core::Error::not_found("pre-emption decisions"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(
        name: &str,
        decision: &str,
        price: Option<&str>,
        share: Option<&str>,
    ) -> ShareholderInput {
        ShareholderInput {
            name: name.into(),
            uscc: None,
            decision: decision.into(),
            decided_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            price: price.map(Into::into),
            share_percent: share.map(Into::into),
            document: DocumentUpload {
                file_name: "声明.pdf".into(),
                content_base64: base64::engine::general_purpose::STANDARD.encode(name),
            },
        }
    }

    fn rules(r: std::result::Result<Vec<Decision>, Vec<FieldError>>) -> Vec<String> {
        r.err().unwrap().into_iter().map(|e| e.rule).collect()
    }

    #[test]
    fn a_shareholder_is_deemed_to_waive_only_after_30_days_without_an_answer() {
        let cal = ggzy_core::calendar::BusinessCalendar::official();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let deemed = |notified: &str| {
            let mut s = sh("甲", "deemed_waived", None, None);
            s.decided_on = d(notified);
            PreemptionInput {
                shareholders: vec![s],
            }
        };
        // Notified Monday 2026-03-02: may answer until Wednesday 04-01; deemed from 04-02.
        let r = check_deemed_waivers(&cal, &deemed("2026-03-02"), d("2026-04-01"));
        assert_eq!(r[0].rule, "auctions.preemption_deemed_early");
        assert!(check_deemed_waivers(&cal, &deemed("2026-03-02"), d("2026-04-02")).is_empty());
        // Notified Friday 03-06: the 30th day, Sunday 04-05, falls in 清明 (04-04..06) and moves
        // to Tuesday 04-07 (民法典 203): still refused on 04-07, deemed on 04-08.
        assert_eq!(
            check_deemed_waivers(&cal, &deemed("2026-03-06"), d("2026-04-07")).len(),
            1
        );
        assert!(check_deemed_waivers(&cal, &deemed("2026-03-06"), d("2026-04-08")).is_empty());
        // A deemed waiver is a waiver: the winner buys.
        let ok = decide(100, &deemed("2026-03-02"), d("2026-04-02")).unwrap();
        assert!(ok[0].deemed && !ok[0].exercised);
    }

    #[test]
    fn an_exercise_is_at_exactly_the_deal_price_and_shares_sum_to_100_percent() {
        let today = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let one = |p: &str| PreemptionInput {
            shareholders: vec![
                sh("甲", "waived", None, None),
                sh("乙", "exercised", Some(p), None),
            ],
        };
        let d = decide(100_000_000, &one("1000000.00"), today).unwrap();
        assert_eq!(d[1].amount_fen, Some(100_000_000));
        assert_eq!(d[0].amount_fen, None);
        for p in ["999999.99", "1000000.01"] {
            assert_eq!(
                rules(decide(100_000_000, &one(p), today)),
                ["auctions.preemption_same_terms"]
            );
        }
        // Two exercising: 33.33 % + 66.67 % of 1,000,000.01 — rounded, the last takes the rest.
        let two = |a: &str, b: &str| PreemptionInput {
            shareholders: vec![
                sh("甲", "exercised", Some("1000000.01"), Some(a)),
                sh("乙", "exercised", Some("1000000.01"), Some(b)),
            ],
        };
        let d = decide(100_000_001, &two("33.33", "66.67"), today).unwrap();
        assert_eq!(d[0].amount_fen, Some(33_330_000));
        assert_eq!(d[1].amount_fen, Some(100_000_001 - 33_330_000));
        assert_eq!(
            rules(decide(100_000_001, &two("33.33", "66.66"), today)),
            ["auctions.preemption_share_total"]
        );
        let mut missing = two("50.00", "50.00");
        missing.shareholders[0].share_percent = None;
        assert_eq!(
            rules(decide(100_000_001, &missing, today)),
            ["auctions.preemption_share"]
        );
        // Tomorrow's document, a shareholder twice, a bad USCC.
        let mut bad = one("1000000.00");
        bad.shareholders[0].decided_on = today.succ_opt().unwrap();
        bad.shareholders[1].name = "甲".into();
        bad.shareholders[1].uscc = Some("91110000802100433A".into());
        let r = rules(decide(100_000_000, &bad, today));
        assert!(r.contains(&"auctions.preemption_date".to_string()), "{r:?}");
        assert!(r.iter().any(|x| x.starts_with("uscc.")), "{r:?}");
        assert!(
            r.contains(&"auctions.preemption_duplicate".to_string()),
            "{r:?}"
        );
    }
}
