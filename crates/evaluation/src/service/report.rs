//! The report.

use super::*;
use crate::store::{committee, members, sections};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rejection {
    pub org_id: String,
    /// `review` (the majority), `above_ceiling` or `abnormally_low` (not proved reasonable).
    #[serde(default)]
    pub ground: String,
    /// The article the rejection rests on.
    #[serde(default)]
    pub basis: String,
    pub fail_votes: i64,
    /// Failed items with reasons, per member.
    #[schema(value_type = Object)]
    pub reasons: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Outlier {
    pub expert_id: String,
    pub org_id: String,
    #[schema(value_type = String)]
    pub member_total: Decimal,
    #[schema(value_type = String)]
    pub committee_mean: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportBid {
    pub org_id: String,
    pub org_name: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    /// The price score with its inputs (comprehensive method).
    #[schema(value_type = Option<Object>)]
    pub price_score: Option<Value>,
    /// Per hand-scored criterion: each member's points and the committee's figure.
    #[schema(value_type = Object)]
    pub criteria: Value,
    #[schema(value_type = String)]
    pub non_price: Decimal,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// The bidder's SME declaration (中小企业声明函) sealed in its bid, if any.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub sme: Option<Value>,
    /// The price the price score used: the price less the documents' SME deduction for a small or
    /// micro enterprise (财库〔2020〕46号 第九条), else the price (comprehensive method).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub evaluated_price: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ranked {
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    /// Decimal string with 2 places.
    pub price: String,
    pub score: Option<String>,
}

/// The evaluation report (评标报告, 评标规定 第四十二条).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub section_id: String,
    #[schema(value_type = Object)]
    pub method: Value,
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<Value>,
    pub rejected: Vec<Rejection>,
    /// The base price computation (comprehensive method).
    #[schema(value_type = Option<Object>)]
    pub base: Option<Value>,
    pub bids: Vec<ReportBid>,
    /// Recommended candidates, at most 3, ranked (评标规定 第四十五条).
    pub ranking: Vec<Ranked>,
    pub outliers: Vec<Outlier>,
    pub chair: Option<String>,
    /// Questions asked of bidders and their answers.
    #[serde(default)]
    pub clarifications: Vec<Clarification>,
    /// Members replaced during the evaluation: who, by whom, why, when, and which of their stages
    /// stay counted for the seat (`reviewed`, `scored`).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub replaced: Vec<Value>,
    /// The ceiling price the documents set, if any.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub ceiling_price: Option<Decimal>,
    /// Abnormally low prices among the compliant bids and the committee's records on them.
    #[serde(default)]
    pub abnormally_low: Vec<rules::AbnormallyLow>,
    #[serde(default)]
    pub price_checks: Vec<PriceCheck>,
    /// Ties the documents' rules left, broken by lot: the recorded seed and each group in its drawn
    /// order with every bid's key (SHA-256 of `seed:org_id`, the lower first).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub lot: Option<Value>,
    pub signed_at: Option<DateTime<Utc>>,
}

pub(crate) async fn assemble(
    tx: &mut Tx,
    sec: &Sec,
    spec: &MethodSpec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Report> {
    let sid = &sec.section_id;
    let v = verdicts(tx, sid, members).await?;
    let sc = screening(tx, sec, members, bids).await?;
    let rejected_ids = sc.rejected();
    let rejected: Vec<Rejection> = rejected_ids
        .iter()
        .map(|org| {
            let fails: Vec<&(String, String, bool, Value)> =
                v.iter().filter(|x| &x.1 == org && !x.2).collect();
            let mut reasons: serde_json::Map<String, Value> =
                fails.iter().map(|x| (x.0.clone(), x.3.clone())).collect();
            let (ground, basis) = sc.ground(org);
            match ground {
                "above_ceiling" => {
                    reasons.insert(
                        "ceiling".into(),
                        json!(format!(
                            "the price is above the ceiling price {}",
                            spec.ceiling_price
                                .map(|c| c.to_string())
                                .unwrap_or_default()
                        )),
                    );
                }
                "abnormally_low" => {
                    if let Some(c) = sc.checks.iter().find(|c| &c.org_id == org) {
                        reasons.insert("price_check".into(), json!(c.explanation));
                    }
                }
                _ => {}
            }
            Rejection {
                ground: ground.into(),
                basis: basis.into(),
                org_id: org.clone(),
                fail_votes: fails.len() as i64,
                reasons: Value::Object(reasons),
            }
        })
        .collect();
    let left: Vec<&OpenedBid> = bids
        .iter()
        .filter(|b| !rejected_ids.contains(&b.org_id))
        .collect();
    let scores = load_scores(tx, sid, members).await?;
    let sme_decl = crate::sme::load(tx, sid).await?;
    let mut report_bids = vec![];
    let mut base_json = None;
    let mut outliers = vec![];
    let mut rankables = vec![];
    match spec.method {
        Method::LowestEvaluatedPrice => {
            for b in &left {
                report_bids.push(ReportBid {
                    org_id: b.org_id.clone(),
                    org_name: b.org_name.clone(),
                    price: b.price,
                    price_score: None,
                    criteria: json!({}),
                    non_price: Decimal::ZERO,
                    total: None,
                    sme: sme_decl.get(&b.org_id).map(|d| json!(d)),
                    evaluated_price: None,
                });
                rankables.push(Rankable {
                    org_id: b.org_id.clone(),
                    price: b.price,
                    total: None,
                    non_price: Decimal::ZERO,
                });
            }
        }
        Method::Comprehensive => {
            let formula = spec
                .price_formula
                .clone()
                .ok_or_else(|| Error::internal("comprehensive method without price formula"))?;
            let max_price = spec
                .price_criterion()
                .map(|c| c.max_points)
                .unwrap_or(Decimal::ZERO);
            // 财库〔2020〕46号 第九条: the base price and each price score use the price after the
            // SME deduction; the ranking's price and the contract keep the price bid.
            let evaluated = |b: &OpenedBid| {
                rules::evaluated_price(
                    b.price,
                    sme_decl
                        .get(&b.org_id)
                        .is_some_and(|d| d.deduction_applies()),
                    spec.sme_deduction,
                )
            };
            let prices: Vec<Decimal> = left.iter().map(|b| evaluated(b)).collect();
            let base = rules::base_price(&formula.base, &prices);
            base_json = base
                .as_ref()
                .map(|b| serde_json::to_value(b).map_err(|e| Error::internal(e.to_string())))
                .transpose()?;
            let share = spec.outlier_share();
            for b in &left {
                let ps: Option<PriceScore> = base
                    .as_ref()
                    .map(|bc| rules::price_score(&formula, max_price, evaluated(b), bc.base));
                let mut criteria = serde_json::Map::new();
                let mut non_price = Decimal::ZERO;
                for c in spec.scored_criteria() {
                    let per: Vec<(String, Decimal)> = scores
                        .iter()
                        .filter(|s| s.org_id == b.org_id)
                        .filter_map(|s| s.points.get(&c.code).map(|p| (s.expert_id.clone(), *p)))
                        .collect();
                    let values: Vec<Decimal> = per.iter().map(|x| x.1).collect();
                    let agg = rules::aggregate(&values, spec.drop_member_extremes_from);
                    non_price += agg;
                    let members_json: serde_json::Map<String, Value> = per
                        .iter()
                        .map(|(e, p)| (e.clone(), json!(p.to_string())))
                        .collect();
                    criteria.insert(
                        c.code.clone(),
                        json!({"members": members_json, "committee": agg.to_string()}),
                    );
                }
                // Outliers: a member's total of hand-scored points against the committee mean.
                let totals: Vec<&MemberScores> =
                    scores.iter().filter(|s| s.org_id == b.org_id).collect();
                if !totals.is_empty() {
                    let sum: Decimal = totals.iter().map(|s| s.total).sum();
                    let mean = sum / Decimal::from(totals.len());
                    for s in &totals {
                        if rules::is_outlier(s.total, mean, share) {
                            outliers.push(Outlier {
                                expert_id: s.expert_id.clone(),
                                org_id: b.org_id.clone(),
                                member_total: s.total,
                                committee_mean: rules::round2(mean),
                            });
                        }
                    }
                }
                let total = ps.as_ref().map(|p| p.score).unwrap_or(Decimal::ZERO) + non_price;
                report_bids.push(ReportBid {
                    org_id: b.org_id.clone(),
                    org_name: b.org_name.clone(),
                    price: b.price,
                    price_score: ps
                        .map(|p| {
                            serde_json::to_value(p).map_err(|e| Error::internal(e.to_string()))
                        })
                        .transpose()?,
                    criteria: Value::Object(criteria),
                    non_price,
                    total: Some(total),
                    sme: sme_decl.get(&b.org_id).map(|d| json!(d)),
                    evaluated_price: Some(evaluated(b)),
                });
                rankables.push(Rankable {
                    org_id: b.org_id.clone(),
                    price: b.price,
                    total: Some(total),
                    non_price,
                });
            }
        }
    }
    let seed = sections::tie_seed(tx, sid).await?;
    let ranked = rules::rank(spec.method, rankables, &spec.tie_break, seed.as_deref());
    let lot = (!ranked.lots.is_empty()).then(|| lot_record(seed.as_deref(), &ranked.lots));
    let ranking = ranked
        .ranked
        .into_iter()
        .take(rules::MAX_CANDIDATES)
        .enumerate()
        .map(|(i, r)| Ranked {
            rank: i as i64 + 1,
            org_name: left
                .iter()
                .find(|b| b.org_id == r.org_id)
                .map(|b| b.org_name.clone())
                .unwrap_or_default(),
            org_id: r.org_id,
            price: format!("{:.2}", r.price),
            score: r.total.map(|t| t.to_string()),
        })
        .collect();
    Ok(Report {
        section_id: sid.clone(),
        method: serde_json::to_value(spec).map_err(|e| Error::internal(e.to_string()))?,
        members: members
            .iter()
            .map(|m| {
                json!({"expert_id": m.expert_id, "name": m.name, "signed": m.signed && !m.refused,
                       "refused": m.refused, "note": m.sign_note, "replaces": m.replaces,
                       "review_by": m.review_by(), "scores_by": m.scores_by()})
            })
            .collect(),
        rejected,
        base: base_json,
        bids: report_bids,
        ranking,
        outliers,
        chair: chair_of(members),
        clarifications: load_clarifications(tx, sid, None).await?,
        replaced: replaced_members(tx, sid).await?,
        ceiling_price: spec.ceiling_price,
        abnormally_low: sc.flagged.clone(),
        price_checks: sc.checks.clone(),
        lot,
        signed_at: None,
    })
}

/// The lot as the report and `evaluation.tie.drawn` show it: the seed (null before the draw) and
/// each tied group in its order with every bid's key.
/// How a lot's keys are computed and ordered (in the report and `evaluation.tie.drawn`).
const LOT_RULE: &str =
    "each tied bid's key is the SHA-256 (hex) of \"<seed>:<org_id>\"; the lower key ranks first";

fn lot_record(seed: Option<&str>, lots: &[Vec<String>]) -> Value {
    json!({
        "seed": seed,
        "rule": LOT_RULE,
        "groups": lots.iter().map(|g| json!({
            "order": g,
            "keys": seed.map(|s| g.iter().map(|o| (o.clone(), json!(rules::lot_key(s, o))))
                .collect::<serde_json::Map<String, Value>>()),
        })).collect::<Vec<_>>(),
    })
}

/// Once the ranking is final (stage `signing`), draw the lot for the ties the documents' rules
/// leave: a random seed (32 bytes from the operating system's CSPRNG), stored once and recorded in
/// `evaluation.tie.drawn` with each group's drawn order and keys, so anyone can recompute it. Never
/// drawn twice; nothing drawn without a tie.
pub(super) async fn draw_ties_when_final(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    sec: &Sec,
    bids: &[OpenedBid],
) -> Result<()> {
    let Some(spec) = sec.method.clone() else {
        return Ok(());
    };
    let members = load_members(tx, &sec.section_id).await?;
    if progress(tx, sec, &members, bids).await?.stage != "signing" {
        return Ok(());
    }
    if sec.tie_seed.is_some() {
        return Ok(());
    }
    let report = assemble(tx, sec, &spec, &members, bids).await?;
    let Some(lot) = report.lot else {
        return Ok(());
    };
    let seed = ggzy_core::ids::random_hex(32);
    sections::set_tie_seed(tx, &sec.section_id, &seed, to_micros(now)).await?;
    let groups: Vec<Vec<String>> = lot["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut v: Vec<String> = g["order"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(String::from))
                .collect();
            v.sort_by_key(|o| rules::lot_key(&seed, o));
            v
        })
        .collect();
    // The lot's record (seed, rule, groups) with the section and the documents' tie rules, as
    // `lot_record` shows it in the report.
    let drawn = TieDrawn {
        section_id: sec.section_id.clone(),
        tie_break: spec.tie_break.iter().map(|r| r.as_str().into()).collect(),
        basis:
            "a tie the documents' rules leave is broken by lot, recorded with its seed (issue 21)"
                .into(),
        seed: seed.clone(),
        rule: LOT_RULE.into(),
        groups: groups
            .into_iter()
            .map(|order| DrawnTieGroup {
                keys: order
                    .iter()
                    .map(|o| (o.clone(), rules::lot_key(&seed, o)))
                    .collect(),
                order,
            })
            .collect(),
    };
    section_event(tx, ctx, by, now, &drawn).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PriceCheckInput {
    pub org_id: String,
    /// Whether the bidder proved its price reasonable (false: the bid is rejected).
    pub reasonable: bool,
    /// The bidder's written explanation and the committee's assessment, 1–5000 characters.
    pub explanation: String,
}

/// A member records the committee's conclusion on an abnormally low price (stage `price_check`):
/// the bidder proved it reasonable, or not — then the bid is rejected (评标规定 第二十一条; 87号令
/// 第六十条). Once per flagged bid; `evaluation.price_check.recorded` (and `evaluation.bid.rejected`).
pub async fn record_price_check(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: PriceCheckInput,
) -> Result<Workbench> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let sc = screening(&mut tx, &sec, &members, &bids).await?;
    let explanation = input.explanation.trim().to_string();
    if explanation.is_empty() || explanation.chars().count() > 5000 {
        return Err(Error::field(
            "explanation",
            "price_check.explanation_length",
            "the explanation: 1–5000 characters",
        ));
    }
    if p.stage != "price_check" {
        return Err(Error::conflict(
            "price_check.not_this_stage",
            format!(
                "no abnormally low price awaits the committee (stage: {})",
                p.stage
            ),
        ));
    }
    if !sc.pending().iter().any(|f| f.org_id == input.org_id) {
        return Err(Error::field(
            "org_id",
            "price_check.not_flagged",
            "not an abnormally low price awaiting the committee's record",
        ));
    }
    let now = ctx.clock.now();
    committee::insert_price_check(
        &mut tx,
        section_id,
        &input.org_id,
        input.reasonable,
        &explanation,
        &me.expert_id,
        to_micros(now),
    )
    .await?;
    let by = actor.actor_ref();
    let recorded = PriceCheckRecorded {
        section_id: section_id.into(),
        org_id: input.org_id.clone(),
        reasonable: input.reasonable,
        expert_id: me.expert_id.clone(),
        basis: rules::ABNORMALLY_LOW_SOURCE.into(),
    };
    section_event(&mut tx, ctx, &by, now, &recorded).await?;
    if !input.reasonable {
        let rejected = ggzy_events::evaluation::BidRejected {
            section_id: section_id.to_string(),
            org_id: input.org_id.clone(),
            ground: "abnormally_low".into(),
            basis: rules::ABNORMALLY_LOW_SOURCE.into(),
        };
        emit(
            &mut tx,
            &ctx.db,
            &by,
            now,
            ggzy_events::Contract::encode(&rejected),
        )
        .await?;
    }
    draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    let wb = Workbench::of(sec, members, bids, p);
    ctx.db.commit_answering(tx, 200, &wb, now).await?;
    Ok(wb)
}

/// The members who left the committee for a replacement, with the reason and the stages they had
/// submitted (those stay counted for the seat the replacement took).
async fn replaced_members(tx: &mut Tx, section_id: &str) -> Result<Vec<Value>> {
    let rows = members::replaced_members(tx, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            json!({
                "expert_id": r.expert_id,
                "name": r.name,
                "replaced_by": r.replaced_by,
                "reason": r.replace_reason,
                "replaced_at": r.replaced_at.map(|t| t.to_rfc3339()),
                "reviewed": r.reviewed_at.is_some(),
                "scored": r.scored_at.is_some(),
            })
        })
        .collect())
}

/// The report: the signed one, or the draft once the scoring stage is complete.
pub async fn report(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Report> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    if let Some(r) = &sec.report {
        tx.rollback().await?;
        return serde_json::from_value(r.clone()).map_err(|e| Error::internal(e.to_string()));
    }
    let (spec, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage != "signing" {
        return Err(Error::conflict(
            "report.not_ready",
            format!(
                "the report is assembled after the review and scoring (stage: {})",
                p.stage
            ),
        ));
    }
    let r = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
    tx.rollback().await?;
    Ok(r)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignInput {
    /// A dissenting opinion stated with the signature (评标规定 第四十二条), optional; the reason
    /// when refusing.
    #[serde(default)]
    pub dissent: Option<String>,
    /// Refuse to sign; needs the reason in `dissent` (评标规定 第四十二条: a refusal without
    /// stated reasons counts as agreement, so the platform asks for them).
    #[serde(default)]
    pub refuse: bool,
}

/// A member signs the report. When the last member signs, the report is final and
/// `evaluation.report.signed` {section_id, report_id, ranking:[{rank, org_id, price, score}]}
/// goes to the projects area, which starts the candidate publicity.
pub async fn sign(ctx: &Ctx, actor: &Actor, section_id: &str, input: SignInput) -> Result<Report> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (spec, bids) = ready_for_committee(&sec)?;
    let members = load_members(&mut tx, section_id).await?;
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    if p.stage != "signing" {
        return Err(Error::conflict(
            "report.not_ready",
            format!(
                "the report can be signed after the review and scoring (stage: {})",
                p.stage
            ),
        ));
    }
    if me.signed {
        return Err(Error::conflict(
            "report.already_signed",
            "you already signed",
        ));
    }
    let note = input
        .dissent
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if input.refuse && note.is_none() {
        return Err(Error::field(
            "dissent",
            "sign.refusal_reason_required",
            "a member refusing to sign states the reason (评标规定 第四十二条)",
        ));
    }
    let now: Timestamp = ctx.clock.now();
    members::mark_signed(
        &mut tx,
        section_id,
        &me.expert_id,
        to_micros(now),
        &note,
        input.refuse,
    )
    .await?;
    let by: ActorRef = actor.actor_ref();
    draw_ties_when_final(&mut tx, ctx, &by, now, &sec, &bids).await?;
    let signed = ReportMemberSigned {
        section_id: section_id.into(),
        expert_id: me.expert_id.clone(),
        dissent: note.clone(),
        refused: input.refuse,
    };
    section_event(&mut tx, ctx, &by, now, &signed).await?;
    let members = load_members(&mut tx, section_id).await?;
    let mut report = assemble(&mut tx, &sec, &spec, &members, &bids).await?;
    if members.iter().all(|m| m.signed) {
        report.signed_at = Some(now);
        let text = serde_json::to_string(&report).map_err(|e| Error::internal(e.to_string()))?;
        sections::set_signed_report(&mut tx, section_id, &text, to_micros(now)).await?;
        let report_id = format!("PBBG-{section_id}");
        let method =
            serde_json::to_value(spec.method).map_err(|e| Error::internal(e.to_string()))?;
        let signed = ggzy_events::evaluation::ReportSigned {
            section_id: section_id.to_string(),
            report_id,
            method: method.as_str().unwrap_or_default().to_string(),
            signed_at: now,
            ranking: report
                .ranking
                .iter()
                .map(|r| ggzy_events::evaluation::RankedCandidate {
                    rank: r.rank,
                    org_id: r.org_id.clone(),
                    org_name: r.org_name.clone(),
                    price: r.price.clone(),
                    score: r.score.clone(),
                })
                .collect(),
            rejected: report.rejected.iter().map(|r| r.org_id.clone()).collect(),
        };
        emit(
            &mut tx,
            &ctx.db,
            &by,
            now,
            ggzy_events::Contract::encode(&signed),
        )
        .await?;
    }
    ctx.db.commit_answering(tx, 200, &report, now).await?;
    Ok(report)
}
