//! Evaluation result intake and candidate publicity (中标候选人公示); objections are remedies cases.

use super::*;
use ggzy_events::evaluation::ReportSigned;
use ggzy_events::experts::{DrawCancelled, DrawCompleted};
use ggzy_events::projects::EvaluationResultRejected;
use ggzy_events::Contract;
use ggzy_store::uow::Uow;

// Evaluation result and candidate publicity.

/// One ranked candidate as submitted (in ranking order, best first).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RankedInput {
    pub org_id: String,
    /// Evaluated bid price, CNY (decimal string or number).
    #[schema(value_type = String)]
    pub price: Value,
    /// Score given by the committee, optional (decimal).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub score: Option<Value>,
}

/// The committee's result for a section.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EvaluationResultInput {
    /// Reference of the evaluation report (评标报告).
    pub report_ref: String,
    /// Ranked candidates, best first (at most 3).
    pub ranking: Vec<RankedInput>,
    /// Publicity length in calendar days; the rules' minimum when absent.
    #[serde(default)]
    pub publicity_days: Option<i64>,
    /// The draw (`experts.draw.completed`) of the evaluation committee whose result this is;
    /// required when the result is entered through the API.
    #[serde(default)]
    pub committee_draw_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub rank: i64,
    pub org_id: String,
    pub org_name: String,
    pub uscc: String,
    pub price: Money,
    pub score: Option<String>,
}

/// A section's evaluation result and candidate publicity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publicity {
    pub section_id: String,
    pub project_id: String,
    pub report_ref: String,
    /// `api` or `event` (from the online evaluation).
    pub source: String,
    pub candidates: Vec<Candidate>,
    pub publicity_days: i64,
    pub publicity_starts_at: DateTime<Utc>,
    pub publicity_ends_at: DateTime<Utc>,
    /// The end was computed with weekends only for a year without a holiday schedule; it is
    /// re-derived when the schedule is imported (docs/calendar.md).
    pub publicity_ends_at_provisional: bool,
}

pub(super) fn decimal_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok().map(|d| d.to_string()),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .map(|d| d.to_string()),
        _ => None,
    }
}

/// Record the committee's result and start the candidate publicity: evaluating → publicizing,
/// event `projects.candidates.publicized`. Nothing is written unless every check passes.
pub async fn accept_result(
    tx: &mut Tx,
    db: &Db,
    by: &ActorRef,
    now: Timestamp,
    section_id: &str,
    input: &EvaluationResultInput,
    source: &str,
) -> Result<Publicity> {
    let sec = load_sec(db, tx, section_id, true).await?;
    let next = transition(sec.state, SectionAction::Publicize)?;
    // An entry by hand is bound to a committee the experts area recorded for this section (issue 24,
    // item 8): without one there is no result to enter. A signed report (source `event`) comes
    // from the online evaluation, i.e. from the committee itself.
    if source == "api" {
        require_committee(tx, section_id, input.committee_draw_id.as_deref()).await?;
    }
    let rules = load_rules(tx, &sec.region, sec.market).await?;
    let mut v = Violations::new();
    let report_ref = required_text(&mut v, "report_ref", &input.report_ref, 200);
    if input.ranking.is_empty() {
        v.push(
            "ranking",
            "ranking.required",
            "at least one ranked candidate is required",
        );
    }
    if input.ranking.len() > rules.max_candidates as usize {
        v.push(
            "ranking",
            "ranking.max_candidates",
            format!(
                "at most {} candidates may be ranked ({})",
                rules.max_candidates, rules.max_candidates_source
            ),
        );
    }
    // A negotiating non-tender method's price is the final quote (最后报价) of its final round
    // (政府采购法 第三十八条; crate::nontender), not the sealed first response.
    let final_quotes = crate::nontender::final_quotes(tx, section_id).await?;
    let mut candidates = Vec::new();
    for (i, c) in input.ranking.iter().enumerate() {
        let f = |n: &str| format!("ranking[{i}].{n}");
        if input.ranking[..i].iter().any(|o| o.org_id == c.org_id) {
            v.push(
                f("org_id"),
                "candidate.duplicate",
                "an organization may be ranked only once",
            );
            continue;
        }
        let reg = crate::store::award_publicity::registration(tx, section_id, &c.org_id).await?;
        let Some(reg) = reg else {
            v.push(
                f("org_id"),
                "candidate.not_registered",
                format!(
                    "organization {} is not a registered bidder of this section",
                    c.org_id
                ),
            );
            continue;
        };
        let opened = crate::store::award_publicity::opened_price(tx, section_id, &c.org_id).await?;
        let opened_price = opened.and_then(|m| m.0);
        let opened_price = match &final_quotes {
            Some(f) => f.get(&c.org_id).copied().or(opened_price),
            None => opened_price,
        };
        if opened.is_none() {
            v.push(
                f("org_id"),
                "candidate.bid_not_opened",
                format!(
                    "organization {} has no bid opened (decrypted) at the opening of this section",
                    c.org_id
                ),
            );
        }
        let price = match decimal_of(&c.price) {
            Some(s) => v.take(&f("price"), Money::parse_str(&s)),
            None => {
                v.push(f("price"), "money.format", "price must be a decimal amount");
                None
            }
        };
        if price.is_some_and(|p| p.is_zero()) {
            v.push(
                f("price"),
                "candidate.price_positive",
                "price must be greater than zero",
            );
        }
        // The price is the one read from the candidate's sealed bid at the opening, never a new one
        // typed in afterwards (招标投标法 第四十三条: no negotiation on price before the award).
        if let (Some(p), Some(o)) = (price, opened_price) {
            if p != o {
                v.push(
                    f("price"),
                    "candidate.price_not_bid",
                    format!(
                        "price must be the price read from this bidder's bid at the opening ({o}); \
                         the committee cannot change it (招标投标法 第四十三条)"
                    ),
                );
            }
        }
        let score = match &c.score {
            None | Some(Value::Null) => None,
            Some(s) => {
                let d = decimal_of(s);
                if d.is_none() {
                    v.push(f("score"), "score.format", "score must be a decimal number");
                }
                d
            }
        };
        if let Some(price) = price {
            candidates.push(Candidate {
                rank: i64::try_from(i + 1).unwrap_or(i64::MAX),
                org_id: c.org_id.clone(),
                org_name: reg.org_name,
                uscc: reg.uscc,
                price,
                score,
            });
        }
    }
    // Government procurement publicizes no candidates: the purchaser confirms the winner from the
    // report and the result is announced (政府采购法实施条例 第四十三条; crate::procurement).
    let procurement = sec.market == Market::Procurement;
    let days = if procurement {
        Some(0)
    } else {
        v.take(
            "publicity_days",
            check_publicity_days(
                &rules,
                input
                    .publicity_days
                    .unwrap_or(i64::from(rules.publicity_min_days)),
            ),
        )
    };
    v.into_result()?;
    let days = days.ok_or_else(|| Error::internal("publicity days checked"))?;
    let ends = if procurement {
        Reckoned::exact(now)
    } else {
        period_end(db.calendar(), now, days)
    };
    if ends.provisional() {
        ggzy_store::calendar::note_missing(tx, db, now, &ends.missing, "projects.publicity_end")
            .await?;
    }
    let provisional = ends.provisional();
    let ends = ends.value;
    let cand_json =
        serde_json::to_string(&candidates).map_err(|e| Error::internal(e.to_string()))?;
    crate::store::award_publicity::insert_evaluation(
        tx,
        crate::store::award_publicity::NewEvaluation {
            section_id,
            report_ref: &report_ref,
            source,
            candidates: &cand_json,
            publicity_days: days,
            publicity_starts_at: now,
            publicity_ends_at: ends,
            submitted_by: &by.id,
            created_at: now,
            publicity_ends_provisional: provisional,
        },
    )
    .await?;
    set_state(tx, section_id, sec.state, next, now).await?;
    if procurement {
        crate::procurement::on_report(
            &mut Uow::within(tx, db, by.clone(), now),
            section_id,
            &sec.project_id,
            &sec.region,
            &report_ref,
            &candidates,
        )
        .await?;
        return Ok(Publicity {
            section_id: section_id.to_string(),
            project_id: sec.project_id,
            report_ref,
            source: source.to_string(),
            candidates,
            publicity_days: 0,
            publicity_starts_at: now,
            publicity_ends_at: ends,
            publicity_ends_at_provisional: false,
        });
    }
    emit(
        tx,
        db,
        by,
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::CandidatesPublicized {
            section_id: section_id.to_string(),
            project_id: Some(sec.project_id.to_string()),
            market: Some(sec.market.as_str().to_string()),
            procedure: Some(sec.procedure.to_string()),
            report_ref: Some(report_ref.to_string()),
            source: Some(source.to_string()),
            candidates: candidates
                .iter()
                .map(|c| ggzy_events::projects::PublicizedCandidate {
                    rank: c.rank,
                    org_id: c.org_id.clone(),
                    org_name: c.org_name.clone(),
                    uscc: c.uscc.clone(),
                    price: c.price,
                    score: c.score.clone(),
                })
                .collect(),
            publicity_days: Some(i64::from(days)),
            publicity_starts_at: now,
            publicity_ends_at: ends,
            publicity_ends_at_provisional: provisional,
            basis: Some(rules.publicity_source.to_string()),
        }),
    )
    .await?;
    Ok(Publicity {
        section_id: section_id.to_string(),
        project_id: sec.project_id,
        report_ref,
        source: source.to_string(),
        candidates,
        publicity_days: i64::from(days),
        publicity_starts_at: now,
        publicity_ends_at: ends,
        publicity_ends_at_provisional: provisional,
    })
}

/// 招标投标法 第三十七条 (the committee evaluates) and 第四十条 (it reports and recommends the
/// candidates): a result entered through the API names the committee's draw.
pub const COMMITTEE_SOURCE: &str = "招标投标法 第三十七条, 第四十条";

/// The draw named by an API entry must be an active committee of this section, recorded from the
/// experts area's `experts.draw.completed` ([`Committees`]).
pub(super) async fn require_committee(
    tx: &mut Tx,
    section_id: &str,
    draw_id: Option<&str>,
) -> Result<()> {
    let Some(draw_id) = draw_id.map(str::trim).filter(|d| !d.is_empty()) else {
        return Err(Error::field(
            "committee_draw_id",
            "result.committee_required",
            format!(
                "name the draw of the evaluation committee (评标委员会) whose result this is ({COMMITTEE_SOURCE})"
            ),
        ));
    };
    let found = crate::store::award_publicity::active_committee(tx, draw_id, section_id).await?;
    if !found {
        return Err(Error::field(
            "committee_draw_id",
            "result.committee_unknown",
            format!(
                "draw {draw_id} is not a recorded evaluation committee of this section ({COMMITTEE_SOURCE})"
            ),
        ));
    }
    Ok(())
}

/// The committee a result entry names comes from the experts area's events
/// (`projects.committees`): a draw completed a moment ago may not have arrived yet. Wait briefly,
/// then answer 409 with `Retry-After` (`result.committee_not_caught_up`) rather than a misleading
/// 422 `result.committee_unknown` (issue 17, item 5). Outside the write transaction.
pub(crate) async fn committee_projected(
    ctx: &Ctx,
    section_id: &str,
    draw_id: Option<&str>,
) -> Result<()> {
    let Some(draw_id) = draw_id.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(());
    };
    let db = ctx.db.clone();
    ggzy_store::consumer::wait_for_projection(
        &ctx.db,
        "projects.committees",
        &[DrawCompleted::NAME, DrawCancelled::NAME],
        std::time::Duration::from_secs(2),
        "result.committee_not_caught_up",
        "the committee's draw",
        || {
            let db = db.clone();
            async move {
                crate::store::award_publicity::committee_recorded(&db, draw_id, section_id).await
            }
        },
    )
    .await
    .map(|_| ())
}

/// Records the evaluation committees of sections from the experts area's events:
/// `experts.draw.completed` (a committee) and `experts.draw.cancelled` (no longer one).
pub struct Committees;

#[async_trait::async_trait]
impl Consumer for Committees {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.committees",
            &[DrawCompleted::NAME, DrawCancelled::NAME],
        )
    }

    /// Decoded through the contracts: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, _db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        if ev.event_type == DrawCompleted::NAME {
            let d = DrawCompleted::decode(ev)?;
            crate::store::award_publicity::insert_committee(
                tx,
                &d.draw_id,
                &d.section_id,
                d.session_id.as_deref(),
                clock.now(),
            )
            .await?;
        } else {
            let d = DrawCancelled::decode(ev)?;
            crate::store::award_publicity::deactivate_committee(tx, &d.draw_id).await?;
        }
        Ok(())
    }
}

/// Submit the committee's result (staff, or the project's agency).
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn submit_result(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: EvaluationResultInput,
) -> Result<Publicity> {
    actor.require(&[Role::Staff, Role::Agency])?;
    committee_projected(ctx, section_id, input.committee_draw_id.as_deref()).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, false).await?;
    if actor.role == Role::Agency {
        require_owner(actor, &sec)?;
    }
    if crate::rules::Procedure::parse(&sec.procedure).is_ok_and(|p| p.is_non_tender()) {
        return Err(Error::conflict(
            "nontender.result_by_method",
            "a non-tender procurement method ranks by its own rule: POST \
             /api/v1/sections/{id}/nontender-result (docs/procedures.md)",
        ));
    }
    let p = accept_result(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        section_id,
        &input,
        "api",
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &p, now).await?;
    Ok(p)
}

pub(super) async fn load_publicity(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Publicity> {
    let r = crate::store::award_publicity::publicity(conn, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("evaluation result of section {section_id}")))?;
    Ok(Publicity {
        section_id: section_id.to_string(),
        report_ref: r.report_ref,
        source: r.source,
        candidates: r.candidates.0,
        publicity_days: r.publicity_days,
        publicity_starts_at: r.publicity_starts_at,
        publicity_ends_at: r.publicity_ends_at,
        project_id: r.project_id,
        publicity_ends_at_provisional: r.publicity_ends_provisional,
    })
}

/// The evaluation result and publicity of a section (public to every signed-in role).
pub async fn get_publicity(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Publicity> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    load_publicity(&mut conn, section_id).await
}

/// Takes `evaluation.report.signed` ([`ReportSigned`]: section_id, report_id, ranking of {rank,
/// org_id, price, score}) from the online evaluation. A result this area refuses is not retried: it is
/// recorded as `projects.evaluation.result_rejected` with the reasons.
pub struct EvaluationReports;

#[async_trait::async_trait]
impl Consumer for EvaluationReports {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            "projects.evaluation_reports",
            &[ReportSigned::NAME],
        )
    }

    /// Decoded through the contract: a report that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let r = ReportSigned::decode(ev)?;
        let section_id = r.section_id.as_str();
        let mut ranking = r.ranking.clone();
        ranking.sort_by_key(|c| c.rank);
        let input = EvaluationResultInput {
            report_ref: r.report_id.clone(),
            ranking: ranking
                .into_iter()
                .map(|c| RankedInput {
                    org_id: c.org_id,
                    price: Value::String(c.price),
                    score: c.score.map(Value::String),
                })
                .collect(),
            // The report carries no publicity length: the rules' minimum.
            publicity_days: None,
            committee_draw_id: None,
        };
        let by = ActorRef::system("projects.evaluation_reports");
        let now = clock.now();
        match accept_result(tx, db, &by, now, section_id, &input, "event").await {
            Ok(_) => Ok(()),
            Err(
                e @ (Error::Validation(_)
                | Error::Conflict { .. }
                | Error::NotFound(_)
                | Error::Forbidden(_)),
            ) => {
                let problem = e.to_problem();
                tracing::warn!(event = %ev.id, section_id, "evaluation result refused: {}", problem.detail);
                emit(
                    tx,
                    db,
                    &by,
                    now,
                    EvaluationResultRejected {
                        section_id: section_id.to_string(),
                        report_id: input.report_ref.clone(),
                        event_id: ev.id.clone(),
                        rule: problem.rule,
                        detail: problem.detail,
                        errors: problem.errors,
                    }
                    .encode(),
                )
                .await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Objections (异议) to the evaluation result are remedies cases since rem20e: `POST
// /api/v1/sections/{id}/remedies` `{"kind": "objection", "target": "result"}` (crates/remedies,
// docs/remedies.md). The projects area's own path (`POST /api/v1/sections/{id}/objections`, `POST
// /api/v1/objections/{id}/answer`, table `section_objections`) is gone; the table's rows, if any,
// are historical. The award waits for the remedies suspension (`section_suspensions`).
