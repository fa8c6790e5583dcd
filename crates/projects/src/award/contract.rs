//! Contract (合同签订) and the performance security cap.

use super::*;
use ggzy_events::projects::ContractSigned;
use ggzy_events::Contract as _;

// Contract (合同签订).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractInput {
    /// Date the written contract was signed (Asia/Shanghai).
    pub signed_on: NaiveDate,
    /// Contract amount, CNY.
    pub amount: Money,
    /// Performance security (履约保证金) required of the winner, CNY; at most 10 % of the amount
    /// (招标投标法实施条例 第五十八条; 政府采购法实施条例 第四十八条).
    #[serde(default)]
    pub performance_security: Option<Money>,
}

/// 实施条例 第五十八条 / 政采条例 第四十八条: 履约保证金不得超过中标合同金额的10%.
pub const PERFORMANCE_SECURITY_MAX_PERCENT: i64 = 10;

/// The cap's source per market.
pub fn performance_security_source(market: Market) -> &'static str {
    match market {
        Market::Procurement => "政府采购法实施条例 第四十八条",
        _ => "招标投标法实施条例 第五十八条",
    }
}

/// Is `security` within [`PERFORMANCE_SECURITY_MAX_PERCENT`] of `amount` (exact, in fen)? Pure.
pub fn performance_security_allowed(security: Money, amount: Money) -> bool {
    i128::from(security.fen()) * 100
        <= i128::from(amount.fen()) * i128::from(PERFORMANCE_SECURITY_MAX_PERCENT)
}

/// Record the signed contract (the project's tenderer or agency): awarded → contracted, event
/// `projects.contract.signed`. A contract signed after the due date is recorded, flagged late.
#[tracing::instrument(skip_all, fields(section_id = %section_id))]
pub async fn record_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ContractInput,
) -> Result<Award> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    let next = transition(sec.state, SectionAction::SignContract)?;
    let award = load_award(&mut tx, section_id).await?;
    let mut v = Violations::new();
    if input.signed_on < local_date(award.awarded_at) {
        v.push(
            "signed_on",
            "contract.before_award",
            format!(
                "the contract cannot be signed before the award notice of {}",
                local_date(award.awarded_at)
            ),
        );
    }
    if input.signed_on > local_date(now) {
        v.push(
            "signed_on",
            "contract.in_future",
            "the signing date must not be in the future",
        );
    }
    if input.amount.is_zero() {
        v.push(
            "amount",
            "contract.amount_positive",
            "the contract amount must be greater than zero",
        );
    }
    if let Some(ps) = input.performance_security {
        if !performance_security_allowed(ps, input.amount) {
            v.push(
                "performance_security",
                "contract.performance_security_cap",
                format!(
                    "the performance security may not exceed {PERFORMANCE_SECURITY_MAX_PERCENT} % of the contract amount ({})",
                    performance_security_source(sec.market)
                ),
            );
        }
    }
    v.into_result()?;
    let late = contract_late(input.signed_on, award.contract_due_at);
    crate::store::award::record_contract(
        &mut tx,
        section_id,
        crate::store::award::ContractFields {
            signed_on: input.signed_on,
            amount: input.amount,
            recorded_at: now,
            late,
            performance_security: input.performance_security,
        },
    )
    .await?;
    set_state(&mut tx, section_id, sec.state, next, now).await?;
    timers::cancel(&mut tx, &contract_key(section_id)).await?;
    let signed_at = at_local(input.signed_on, 0, 0, 0);
    if sec.market == Market::Procurement {
        crate::procurement::on_contract(&mut tx, &ctx.db, now, section_id, input.signed_on).await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ContractSigned {
            section_id: section_id.to_string(),
            project_id: Some(sec.project_id.clone()),
            market: Some(sec.market.as_str().to_string()),
            winner_org_id: Some(award.winner_org_id.clone()),
            signed_at: Some(signed_at),
            amount: Some(input.amount),
            award_price: Some(award.price),
            signed_on: Some(input.signed_on.to_string()),
            recorded_at: Some(now),
            due_at: Some(award.contract_due_at),
            due_at_provisional: Some(award.contract_due_at_provisional),
            late: Some(late),
            performance_security: input.performance_security,
        }
        .encode(),
    )
    .await?;
    let award = Award {
        contract: Some(Contract {
            signed_on: input.signed_on,
            amount: input.amount,
            recorded_at: now,
            late,
            performance_security: input.performance_security,
        }),
        ..award
    };
    ctx.db.commit_answering(tx, 201, &award, now).await?;
    Ok(award)
}
