//! The workbench view.

use super::*;
use crate::store::committee;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Workbench {
    pub section_id: String,
    pub method: Option<MethodSpec>,
    /// `waiting` (no opening record or committee), `review`, `scoring`, `signing`, `signed`.
    pub stage: String,
    pub members: Vec<Member>,
    /// The opened bids (empty before the opening).
    pub bids: Vec<OpenedBid>,
    /// Bids rejected by the majority, once the review stage is complete.
    pub rejected: Vec<String>,
    /// The elected chair (组长): the member with votes of more than half of the committee.
    pub chair: Option<String>,
}

impl Workbench {
    pub(crate) fn of(
        sec: Sec,
        members: Vec<Member>,
        bids: Vec<OpenedBid>,
        p: Progress,
    ) -> Workbench {
        Workbench {
            section_id: sec.section_id,
            method: sec.method,
            stage: p.stage.to_string(),
            chair: chair_of(&members),
            members,
            bids,
            rejected: p.rejected,
        }
    }
}

/// The chair: the member voted for by more than half of the active committee.
pub(super) fn chair_of(members: &[Member]) -> Option<String> {
    members
        .iter()
        .find(|c| {
            let votes = members
                .iter()
                .filter(|m| m.chair_vote.as_deref() == Some(c.expert_id.as_str()))
                .count();
            rules::rejected_by_majority(votes, members.len())
        })
        .map(|c| c.expert_id.clone())
}

pub(crate) struct Progress {
    pub(crate) stage: &'static str,
    pub(crate) rejected: Vec<String>,
}

pub(crate) async fn progress(
    tx: &mut Tx,
    sec: &Sec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Progress> {
    if sec.report.is_some() {
        let rejected = screening(tx, sec, members, bids).await?.rejected();
        return Ok(Progress {
            stage: "signed",
            rejected,
        });
    }
    if sec.method.is_none()
        || sec.entries.is_none()
        || members.is_empty()
        || crate::qualification::pending(&sec.market, sec.qualified.as_deref())
    {
        return Ok(Progress {
            stage: "waiting",
            rejected: vec![],
        });
    }
    if !members.iter().all(|m| m.reviewed) {
        return Ok(Progress {
            stage: "review",
            rejected: vec![],
        });
    }
    let sc = screening(tx, sec, members, bids).await?;
    let rejected = sc.rejected();
    if !sc.pending().is_empty() {
        return Ok(Progress {
            stage: "price_check",
            rejected,
        });
    }
    let scoring = matches!(
        sec.method.as_ref().map(|m| m.method),
        Some(Method::Comprehensive)
    );
    let stage = if scoring && !members.iter().all(|m| m.scored) {
        "scoring"
    } else {
        "signing"
    };
    Ok(Progress { stage, rejected })
}

pub(super) async fn verdicts(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
) -> Result<Vec<(String, String, bool, Value)>> {
    let rows = committee::verdicts(tx, section_id).await?;
    Ok(rows
        .into_iter()
        .filter(|r| members.iter().any(|m| m.review_by() == r.expert_id))
        .map(|r| (r.expert_id, r.org_id, r.pass, r.items.0))
        .collect())
}

/// Bids the majority of the committee rejected in the review (评标规定 第二十三条).
async fn majority_rejected(
    tx: &mut Tx,
    section_id: &str,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Vec<String>> {
    let v = verdicts(tx, section_id, members).await?;
    Ok(bids
        .iter()
        .filter(|b| {
            let fails = v.iter().filter(|x| x.1 == b.org_id && !x.2).count();
            rules::rejected_by_majority(fails, members.len())
        })
        .map(|b| b.org_id.clone())
        .collect())
}

/// The committee's record on an abnormally low price (评标规定 第二十一条; 87号令 第六十条).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct PriceCheck {
    pub org_id: String,
    /// Whether the bidder proved its price reasonable; `false` rejects the bid.
    #[sqlx(try_from = "Flag")]
    pub reasonable: bool,
    /// The bidder's written explanation as the committee assessed it.
    pub explanation: String,
    pub recorded_by: String,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub recorded_at: DateTime<Utc>,
}

/// What screens the opened bids once the review is complete: the majority's rejections, the bids
/// above the ceiling price, the abnormally low prices among the rest and the committee's records on
/// them.
pub(crate) struct Screening {
    pub(crate) majority: Vec<String>,
    pub(crate) ceiling: Vec<String>,
    pub(crate) flagged: Vec<rules::AbnormallyLow>,
    pub(crate) checks: Vec<PriceCheck>,
}

impl Screening {
    /// Every bid out of the evaluation, in the order of the grounds.
    pub(crate) fn rejected(&self) -> Vec<String> {
        let mut out = self.majority.clone();
        for o in self.ceiling.iter().chain(
            self.checks
                .iter()
                .filter(|c| !c.reasonable)
                .map(|c| &c.org_id),
        ) {
            if !out.contains(o) {
                out.push(o.clone());
            }
        }
        out
    }

    /// Abnormally low prices the committee has not yet recorded.
    pub(crate) fn pending(&self) -> Vec<&rules::AbnormallyLow> {
        self.flagged
            .iter()
            .filter(|f| !self.checks.iter().any(|c| c.org_id == f.org_id))
            .collect()
    }

    /// The ground and the source of a rejection.
    pub(super) fn ground(&self, org: &str) -> (&'static str, &'static str) {
        if self.majority.iter().any(|o| o == org) {
            (
                "review",
                "评标委员会和评标方法暂行规定 第二十三条; majority of the committee",
            )
        } else if self.ceiling.iter().any(|o| o == org) {
            ("above_ceiling", rules::CEILING_SOURCE)
        } else {
            ("abnormally_low", rules::ABNORMALLY_LOW_SOURCE)
        }
    }
}

async fn load_price_checks(tx: &mut Tx, section_id: &str) -> Result<Vec<PriceCheck>> {
    committee::price_checks(tx, section_id).await
}

pub(crate) async fn screening(
    tx: &mut Tx,
    sec: &Sec,
    members: &[Member],
    bids: &[OpenedBid],
) -> Result<Screening> {
    let majority = majority_rejected(tx, &sec.section_id, members, bids).await?;
    let spec = sec.method.as_ref();
    let ceiling: Vec<String> = match spec.and_then(|m| m.ceiling_price) {
        Some(c) => bids
            .iter()
            .filter(|b| !majority.contains(&b.org_id) && rules::above_ceiling(b.price, c))
            .map(|b| b.org_id.clone())
            .collect(),
        None => vec![],
    };
    // Compared among the compliant bids (通过符合性审查): after the review and the ceiling.
    let compliant: Vec<(String, Decimal)> = bids
        .iter()
        .filter(|b| !majority.contains(&b.org_id) && !ceiling.contains(&b.org_id))
        .map(|b| (b.org_id.clone(), b.price))
        .collect();
    let share = spec
        .and_then(|m| m.abnormally_low_share)
        .unwrap_or(rules::DEFAULT_ABNORMALLY_LOW_SHARE);
    Ok(Screening {
        flagged: rules::abnormally_low(&compliant, share),
        checks: load_price_checks(tx, &sec.section_id).await?,
        majority,
        ceiling,
    })
}

pub async fn workbench(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Workbench> {
    actor.require(&[Role::Expert, Role::Staff, Role::Supervisor, Role::Admin])?;
    let mut tx = ctx.db.begin().await?;
    require_reader(&mut tx, actor, section_id).await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    if actor.role == Role::Expert {
        in_session(&sec, ctx.clock.now())?;
    }
    let members = load_members(&mut tx, section_id).await?;
    let bids = opened_bids(&sec);
    let p = progress(&mut tx, &sec, &members, &bids).await?;
    tx.rollback().await?;
    Ok(Workbench::of(sec, members, bids, p))
}
