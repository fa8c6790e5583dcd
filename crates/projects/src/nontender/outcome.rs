//! The result by method.

use super::*;
use ggzy_events::projects::{
    LotGroup, NonCompliant, NontenderRank, NontenderRanked, NontenderTieDrawn, SectionFailed,
};
use ggzy_events::Contract;

// The result by method.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NonCompliantInput {
    pub org_id: String,
    /// Why the panel found the response not substantially compliant.
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = NonTenderScoreInput)]
pub struct ScoreInput {
    pub org_id: String,
    /// The panel's score of everything but the price (out of 100 − price weight).
    #[schema(value_type = String)]
    pub score: Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NonTenderResultInput {
    /// Reference of the panel's report (评审报告).
    pub report_ref: String,
    /// The draw of the panel (谈判小组 / 询价小组 / 磋商小组) the experts area recorded.
    #[serde(default)]
    pub committee_draw_id: Option<String>,
    /// Responses the panel found not substantially compliant.
    #[serde(default)]
    pub non_compliant: Vec<NonCompliantInput>,
    /// Consultation: the price weight in percent (价格分权值).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub price_weight: Option<Value>,
    /// Consultation: the panel's other scores.
    #[serde(default)]
    pub scores: Vec<ScoreInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NonTenderResult {
    pub section_id: String,
    pub procedure: Procedure,
    /// `ranked` (the result goes to the purchaser) or `terminated` (too few suppliers: 终止).
    pub outcome: String,
    pub ranking: Vec<Ranked>,
    /// Compliant quotes within the budget counted for the minimum.
    pub compliant_count: i64,
    pub min_suppliers: i64,
    pub basis: String,
    /// Ties among the first three broken by lot (issue 21): the recorded seed, the rule and each
    /// tied group in its drawn order with every supplier's key (SHA-256 of `seed:org_id`).
    #[schema(value_type = Option<Object>)]
    pub lot: Option<Value>,
}

/// The section's lot seed: drawn once (32 random bytes, hex) and stored in `nontender_lots`; a
/// later result of the same section (after a new round) reuses it.
pub(super) async fn draw_lot(tx: &mut Tx, section_id: &str, now: Timestamp) -> Result<String> {
    let fresh = ggzy_core::ids::random_hex(32);
    crate::store::nontender::insert_lot(tx, section_id, &fresh, now).await?;
    crate::store::nontender::lot_seed(tx, section_id).await
}

/// The lot as the result and `projects.nontender.tie_drawn` show it.
/// Why a lot and not the organization id breaks a tie.
const LOT_BASIS: &str =
    "issue 21: a tie the documents' rules leave is broken by a recorded lot, never by the organization id";

pub(super) fn lot_record(seed: &str, lots: &[Vec<String>]) -> Value {
    json!({
        "seed": seed,
        "rule": ggzy_core::lot::RULE,
        "groups": lots.iter().map(|g| json!({
            "order": g,
            "keys": g.iter().map(|o| (o.clone(), json!(ggzy_core::lot::key(seed, o))))
                .collect::<serde_json::Map<String, Value>>(),
        })).collect::<Vec<_>>(),
        "basis": LOT_BASIS,
    })
}

/// `projects.nontender.tie_drawn`: the lot's record ([`lot_record`]) with the section and method.
fn tie_drawn(
    section_id: &str,
    procedure: Procedure,
    seed: &str,
    lots: &[Vec<String>],
) -> NontenderTieDrawn {
    NontenderTieDrawn {
        section_id: section_id.to_string(),
        procedure: procedure.as_str().to_string(),
        seed: seed.to_string(),
        rule: ggzy_core::lot::RULE.to_string(),
        groups: lots
            .iter()
            .map(|g| LotGroup {
                order: g.clone(),
                keys: g
                    .iter()
                    .map(|o| (o.clone(), ggzy_core::lot::key(seed, o)))
                    .collect(),
            })
            .collect(),
        basis: LOT_BASIS.to_string(),
    }
}

pub(super) fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// Subject of a section (procurement: goods when absent).
pub(super) async fn subject_of(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Subject> {
    let s = crate::store::nontender::subject(conn, section_id).await?;
    Ok(s.and_then(|s| Subject::parse(&s).ok())
        .unwrap_or(Subject::Goods))
}

/// Rank the section's suppliers as its method prescribes and hand the ranking to procurement's
/// award path (evaluating → publicizing, `projects.procurement.report_received`); or, with fewer
/// compliant suppliers within the budget than the method's minimum, end the procedure (evaluating →
/// failed, `projects.section.failed` reason `too_few_compliant`). Staff or the project's agency.
pub async fn submit_result(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: NonTenderResultInput,
) -> Result<NonTenderResult> {
    actor.require(&[Role::Staff, Role::Agency])?;
    crate::award::committee_projected(ctx, section_id, input.committee_draw_id.as_deref()).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (sec, procedure) = nontender_section(ctx, &mut tx, actor, section_id, true).await?;
    if sec.state != SectionState::Evaluating {
        return Err(Error::conflict(
            "nontender.not_evaluating",
            format!(
                "section is in state {}; the result follows the opening and the negotiation",
                sec.state.as_str()
            ),
        ));
    }
    let (min, basis) = section_min_suppliers(&mut tx, section_id, procedure)
        .await?
        .unwrap_or((3, ""));
    let opened = opened_quotes(&mut tx, section_id).await?;
    let quotes: Vec<Quote> = if negotiates(procedure) {
        match final_quotes(&mut tx, section_id).await? {
            Some(f) => f
                .into_iter()
                .map(|(org_id, price)| Quote { org_id, price })
                .collect(),
            None => return Err(Error::conflict(
                "nontender.no_final_quotes",
                "record the final round with the final quotes (最后报价) first (财政部令第74号 \
                     第三十三条; 财库〔2014〕214号 第二十一条)",
            )),
        }
    } else {
        opened
    };
    let mut v = Violations::new();
    for (i, n) in input.non_compliant.iter().enumerate() {
        if !quotes.iter().any(|q| q.org_id == n.org_id) {
            v.push(
                format!("non_compliant[{i}].org_id"),
                "nontender.supplier_not_in_negotiation",
                format!("organization {} has no quote in this section", n.org_id),
            );
        }
        if n.reason.trim().is_empty() {
            v.push(
                format!("non_compliant[{i}].reason"),
                "required",
                "the panel's reason is required",
            );
        }
    }
    let budget = crate::store::nontender::budget_fen(&mut tx, section_id).await?;
    // Compliant and within the budget (74号令 第三十七条第三项: 报价未超过采购预算的供应商).
    let compliant: Vec<Quote> = quotes
        .iter()
        .filter(|q| !input.non_compliant.iter().any(|n| n.org_id == q.org_id))
        .filter(|q| q.price.fen() <= budget)
        .cloned()
        .collect();
    let scoring = if procedure == Procedure::CompetitiveConsultation {
        let subject = subject_of(&mut tx, section_id).await?;
        let (lo, hi) = price_weight_range(subject);
        let weight = match input.price_weight.as_ref().and_then(decimal_of) {
            Some(w) if w >= lo && w <= hi => Some(w),
            _ => {
                v.push(
                    "price_weight",
                    "nontender.price_weight",
                    format!(
                        "the price weight of a {} consultation is {lo}–{hi} percent ({PRICE_WEIGHT_SOURCE})",
                        subject.as_str()
                    ),
                );
                None
            }
        };
        let mut scored = Vec::new();
        for q in &compliant {
            let s = input
                .scores
                .iter()
                .position(|s| s.org_id == q.org_id)
                .map(|i| (i, decimal_of(&input.scores[i].score)));
            match (s, weight) {
                (Some((_, Some(d))), Some(w))
                    if d >= Decimal::ZERO && d <= Decimal::from(100) - w =>
                {
                    scored.push((q.clone(), d))
                }
                (Some((i, _)), Some(_)) => v.push(
                    format!("scores[{i}].score"),
                    "nontender.score_range",
                    "the other score is a decimal between 0 and 100 − the price weight",
                ),
                (None, _) => v.push(
                    "scores",
                    "nontender.score_required",
                    format!("the panel's score of organization {} is required", q.org_id),
                ),
                _ => {}
            }
        }
        v.into_result()?;
        Some((scored, weight.unwrap_or_default()))
    } else {
        v.into_result()?;
        None
    };
    let rank = |seed: Option<&str>| match &scoring {
        Some((scored, weight)) => rank_by_score(scored, *weight, seed),
        None => rank_by_price(&compliant, seed),
    };
    let compliant_count = i64::try_from(compliant.len()).unwrap_or(i64::MAX);
    let mut out = NonTenderResult {
        section_id: section_id.to_string(),
        procedure,
        outcome: "ranked".into(),
        ranking: Vec::new(),
        compliant_count,
        min_suppliers: min,
        basis: basis.to_string(),
        lot: None,
    };
    if compliant_count < min {
        let next = transition(sec.state, SectionAction::Fail)?;
        crate::service::set_section_state(&mut tx, section_id, sec.state, next, now).await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            SectionFailed {
                procedure: Some(procedure.as_str().to_string()),
                compliant_count: Some(compliant_count as i64),
                min_suppliers: Some(min),
                basis: Some(basis.to_string()),
                ..SectionFailed::new(
                    section_id,
                    &sec.project_id,
                    sec.market.as_str(),
                    "too_few_compliant",
                    now,
                )
            }
            .encode(),
        )
        .await?;
        out.outcome = "terminated".into();
        ctx.db.commit_answering(tx, 201, &out, now).await?;
        return Ok(out);
    }
    let mut lotted = rank(None);
    let lot = if lotted.lots.is_empty() {
        None
    } else {
        let seed = draw_lot(&mut tx, section_id, now).await?;
        lotted = rank(Some(&seed));
        let record = lot_record(&seed, &lotted.lots);
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            tie_drawn(section_id, procedure, &seed, &lotted.lots).encode(),
        )
        .await?;
        Some(record)
    };
    let ranked = lotted.ranked;
    let result = EvaluationResultInput {
        report_ref: input.report_ref.clone(),
        ranking: ranked
            .iter()
            .map(|r| RankedInput {
                org_id: r.org_id.clone(),
                price: json!(r.price.to_string()),
                score: r.score.map(|s| json!(s.to_string())),
            })
            .collect(),
        publicity_days: None,
        committee_draw_id: input.committee_draw_id.clone(),
    };
    accept_result(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        section_id,
        &result,
        "api",
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NontenderRanked {
            section_id: section_id.to_string(),
            project_id: sec.project_id.clone(),
            procedure: procedure.as_str().to_string(),
            report_ref: input.report_ref.trim().to_string(),
            ranking: ranked
                .iter()
                .map(|r| NontenderRank {
                    org_id: r.org_id.clone(),
                    price: r.price,
                    score: r.score.map(|s| s.to_string()),
                })
                .collect(),
            non_compliant: input
                .non_compliant
                .iter()
                .map(|n| NonCompliant {
                    org_id: n.org_id.clone(),
                    reason: n.reason.trim().to_string(),
                })
                .collect(),
            basis: match procedure {
                Procedure::Inquiry => "政府采购法 第四十条; 财政部令第74号 第四十九条",
                Procedure::CompetitiveConsultation => PRICE_WEIGHT_SOURCE,
                Procedure::SingleSource => "政府采购法 第三十九条; 财政部令第74号 第四十二条",
                _ => "政府采购法 第三十八条; 财政部令第74号 第三十五条",
            }
            .to_string(),
        }
        .encode(),
    )
    .await?;
    out.ranking = ranked;
    out.lot = lot;
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
