//! Procedures as data (issue 21): a procedure (招标/采购/交易方式) of a market is a list of rows in
//! `procedure_stages` (migrations/0185) naming its stages in order, each with its minimum period or
//! count and the legal source. The code asks "does this procedure have stage X?" instead of matching
//! on the procedure: registration asks for `invitation` (only invitees register, 招标投标法 17) and
//! `prequalification_review` (only qualified applicants register, 实施条例 19); opening the bidding
//! asks whether those stages are complete. docs/procedures.md ("Procedures as data") lists the stage
//! vocabulary and how another market adds its rows.
//!
//! Also here: the invitation letters (投标邀请书) of an invited tender and the tenderer's interested
//! parties (与招标人存在利害关系的单位, 实施条例 34) declared on a section.

use crate::model::SectionState;
use crate::rules::{DayKind, MinPeriod, Procedure};
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::ident::{Market, Uscc};
use ggzy_core::{Error, Result};
use ggzy_events::projects::{InterestedPartyDeclared, InvitationSent};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The stage vocabulary (`procedure_stages.stage`). Other procedures add their names here and in
/// docs/procedures.md.
pub mod stage {
    /// 招标公告 / 资格预审公告 / 出让公告 / 信息披露.
    pub const ANNOUNCEMENT: &str = "announcement";
    /// 投标邀请书 to named organizations (`min_count` invitees).
    pub const INVITATION: &str = "invitation";
    /// 资格预审文件 on sale (period from the documents' issue).
    pub const PREQUALIFICATION_DOCUMENTS: &str = "prequalification_documents";
    /// 资格预审申请文件 due (period from the end of the documents' sale).
    pub const PREQUALIFICATION_APPLICATIONS: &str = "prequalification_applications";
    /// 资格审查 by the review committee or the tenderer (`min_count` qualified applicants).
    pub const PREQUALIFICATION_REVIEW: &str = "prequalification_review";
    /// 投标报名 (who may register depends on the stages before it).
    pub const REGISTRATION: &str = "registration";
    pub const TENDER_DOCUMENTS: &str = "tender_documents";
    pub const SEALED_BIDS: &str = "sealed_bids";
    /// 开标 (`min_count` bids).
    pub const OPENING: &str = "opening";
    pub const EVALUATION: &str = "evaluation";
    pub const CANDIDATE_PUBLICITY: &str = "candidate_publicity";
    pub const AWARD: &str = "award";
    pub const CONTRACT: &str = "contract";
    /// 挂牌 / 拍卖 / 网络竞价 in the auctions area.
    pub const LISTING: &str = "listing";
    /// 成交确认.
    pub const DEAL: &str = "deal";
    /// 拍卖会: the live auction of `land_auction` / `mining_auction` in the auctions area.
    pub const AUCTION: &str = "auction";
    /// 企业增资: the enterprise's selection of investors (遴选, 竞争性谈判 / 综合评议).
    pub const INVESTOR_SELECTION: &str = "investor_selection";
    /// 增资协议.
    pub const AGREEMENT: &str = "agreement";
    /// 结果公示 of a mining-right deal (period from the deal) and 结果公告 after the
    /// capital-increase agreement.
    pub const RESULT_PUBLICITY: &str = "result_publicity";
}

/// One stage of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StageRow {
    pub seq: i64,
    pub stage: String,
    /// The stage's minimum period, if any.
    pub period: Option<MinPeriod>,
    /// What the period counts from (`docs_issue_at`, `prequalification_sale_end_at`, …).
    pub period_from: Option<String>,
    /// The minimum number the stage needs (invitees, qualified applicants, bids, panel members).
    pub min_count: Option<i64>,
    pub source: String,
}

/// A procedure of a market as data: its stages in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcedureStages {
    pub market: String,
    pub procedure: String,
    pub stages: Vec<StageRow>,
}

impl ProcedureStages {
    pub fn has(&self, stage: &str) -> bool {
        self.get(stage).is_some()
    }

    pub fn get(&self, stage: &str) -> Option<&StageRow> {
        self.stages.iter().find(|s| s.stage == stage)
    }
}

fn stage_row(r: crate::store::procedures::ProcedureStageRow) -> Result<(String, String, StageRow)> {
    let source = r.source;
    let period = match r.period_days {
        Some(d) => Some(MinPeriod {
            days: u32::try_from(d)
                .map_err(|_| Error::internal("procedure_stages: negative period"))?,
            kind: if r.period_working {
                DayKind::Working
            } else {
                DayKind::Calendar
            },
            source: source.clone(),
        }),
        None => None,
    };
    Ok((
        r.market,
        r.procedure,
        StageRow {
            seq: r.seq,
            stage: r.stage,
            period,
            period_from: r.period_from,
            min_count: r.min_count,
            source,
        },
    ))
}

/// The stages of `procedure` in `market` (empty when the table has no rows for it).
pub async fn load(
    conn: &mut sqlx::AnyConnection,
    market: Market,
    procedure: Procedure,
) -> Result<ProcedureStages> {
    let rows = crate::store::procedures::stages(conn, market, procedure).await?;
    Ok(ProcedureStages {
        market: market.as_str().to_string(),
        procedure: procedure.as_str().to_string(),
        stages: rows
            .into_iter()
            .map(|r| stage_row(r).map(|(_, _, s)| s))
            .collect::<Result<_>>()?,
    })
}

/// Every procedure of every market with its stages (public: the rules are public).
pub async fn list_all(ctx: &Ctx) -> Result<Vec<ProcedureStages>> {
    let rows = crate::store::procedures::all_stages(&ctx.db).await?;
    let mut out: Vec<ProcedureStages> = Vec::new();
    for r in rows {
        let (market, procedure, s) = stage_row(r)?;
        match out.last_mut() {
            Some(p) if p.market == market && p.procedure == procedure => p.stages.push(s),
            _ => out.push(ProcedureStages {
                market,
                procedure,
                stages: vec![s],
            }),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The section as this module sees it.

pub(crate) struct SectionInfo {
    pub project_id: String,
    pub market: Market,
    pub procedure: Procedure,
    pub owner_org_id: String,
    pub tenderer_uscc: String,
    pub state: SectionState,
}

pub(crate) async fn section_info(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    lock: &str,
) -> Result<SectionInfo> {
    let r = if lock.is_empty() {
        crate::store::procedures::section_info(conn, section_id).await?
    } else {
        crate::store::procedures::section_info_locked(conn, section_id, lock).await?
    }
    .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    Ok(SectionInfo {
        project_id: r.project_id,
        market: r.market,
        procedure: r.procedure,
        owner_org_id: r.owner_org_id,
        tenderer_uscc: r.tenderer_uscc,
        state: r.state,
    })
}

impl SectionInfo {
    /// The stages a tenderer sets up before bidding opens (invitations, interested parties,
    /// prequalification, a non-tender exception) need the section still `registered`: 409 `rule`
    /// naming `what` otherwise.
    pub(crate) fn before_bidding(&self, rule: &str, what: &str) -> Result<()> {
        if self.state == SectionState::Registered {
            return Ok(());
        }
        Err(Error::conflict(
            rule,
            format!(
                "the section is {}; {what} before bidding opens",
                self.state.as_str()
            ),
        ))
    }
}

/// Who manages a section's procedure stages (the project's own organization, staff).
pub(crate) const MANAGERS: &[Role] = &[Role::Tenderer, Role::Agency, Role::Staff];
/// Who reads them (the project's own organization, staff, supervisors).
pub(crate) const READERS: &[Role] = &[Role::Tenderer, Role::Agency, Role::Staff, Role::Supervisor];

/// The project's own organization (tenderer or agency) or staff.
pub(crate) fn may_manage(actor: &Actor, s: &SectionInfo) -> Result<()> {
    actor.require(MANAGERS)?;
    if actor.role != Role::Staff {
        actor.require_org(&s.owner_org_id)?;
    }
    Ok(())
}

/// The project's own organization, staff or supervisors (read).
pub(crate) fn may_read(actor: &Actor, s: &SectionInfo) -> Result<()> {
    actor.require(READERS)?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        actor.require_org(&s.owner_org_id)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Invitation letters (投标邀请书).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InviteeInput {
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Invitations {
    /// The organizations invited (the whole list; replaces an earlier one before bidding opens).
    pub invitees: Vec<InviteeInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitee {
    pub uscc: String,
    pub name: String,
    pub invited_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationList {
    pub section_id: String,
    pub invitees: Vec<Invitee>,
    /// The minimum number of invitees and its source.
    pub min_invitees: i64,
    pub source: String,
}

/// The invitees of an invited section, in the order invited.
async fn invitees_of(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<Vec<Invitee>> {
    let rows = crate::store::procedures::invitees(conn, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Invitee {
            uscc: r.uscc,
            name: r.name,
            invited_at: r.invited_at,
        })
        .collect())
}

/// The tenderer (or its agency, or staff) issues the invitation letters of an invited section
/// before bidding opens: at least the stage's `min_count` (3, 招标投标法 17) distinct organizations,
/// none of them the tenderer itself or a declared interested party. Each invitee gets a notice
/// (`projects.invitation.sent`).
pub async fn issue_invitations(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: Invitations,
) -> Result<InvitationList> {
    actor.require(MANAGERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    let stages = load(&mut tx, s.market, s.procedure).await?;
    let Some(st) = stages.get(stage::INVITATION).cloned() else {
        return Err(Error::conflict(
            "invitation.not_invited_procedure",
            format!(
                "procedure {} of the {} market has no invitation stage",
                s.procedure.as_str(),
                s.market.as_str()
            ),
        ));
    };
    s.before_bidding("invitation.too_late", "invitations are issued")?;
    let interested = crate::store::procedures::interested_usccs(&mut tx, section_id).await?;
    let mut v = Violations::new();
    let mut seen = std::collections::HashSet::new();
    let mut list = Vec::new();
    for (i, inv) in input.invitees.iter().enumerate() {
        let name = inv.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            v.push(
                format!("invitees[{i}].name"),
                "required",
                "the invitee's name (1–200 characters)",
            );
        }
        let Some(uscc) = v.take(&format!("invitees[{i}].uscc"), Uscc::parse(inv.uscc.trim()))
        else {
            continue;
        };
        let uscc = uscc.as_str().to_string();
        if !seen.insert(uscc.clone()) {
            v.push(
                format!("invitees[{i}].uscc"),
                "invitation.duplicate",
                "this organization is already on the list",
            );
        } else if uscc.eq_ignore_ascii_case(&s.tenderer_uscc) {
            v.push(
                format!("invitees[{i}].uscc"),
                "invitation.tenderer",
                "the tenderer may not invite itself (招标投标法实施条例 第三十四条)",
            );
        } else if interested.contains(&uscc) {
            v.push(
                format!("invitees[{i}].uscc"),
                "invitation.interested_party",
                "this organization is a declared interested party of the tenderer and may not bid \
                 (招标投标法实施条例 第三十四条)",
            );
        }
        list.push((uscc, name.to_string()));
    }
    let min = st.min_count.unwrap_or(0);
    if (seen.len() as i64) < min {
        v.push(
            "invitees",
            "invitation.min_invitees",
            format!(
                "an invited tender invites at least {min} organizations, {} given ({})",
                seen.len(),
                st.source
            ),
        );
    }
    v.into_result()?;
    crate::store::procedures::delete_invitees(&mut tx, section_id).await?;
    for (uscc, name) in &list {
        crate::store::procedures::insert_invitee(
            &mut tx,
            section_id,
            uscc,
            name,
            &actor.user_id,
            now,
        )
        .await?;
        emit(
            &mut tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            InvitationSent {
                section_id: section_id.to_string(),
                project_id: s.project_id.to_string(),
                uscc: uscc.to_string(),
                name: name.to_string(),
                basis: st.source.to_string(),
            }
            .encode(),
        )
        .await?;
    }
    let out = InvitationList {
        section_id: section_id.to_string(),
        invitees: invitees_of(&mut tx, section_id).await?,
        min_invitees: min,
        source: st.source,
    };
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

pub async fn list_invitations(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<InvitationList> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    may_read(actor, &s)?;
    let stages = load(&mut conn, s.market, s.procedure).await?;
    let st = stages.get(stage::INVITATION);
    Ok(InvitationList {
        section_id: section_id.to_string(),
        invitees: invitees_of(&mut conn, section_id).await?,
        min_invitees: st.and_then(|s| s.min_count).unwrap_or(0),
        source: st.map(|s| s.source.clone()).unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// Interested parties of the tenderer (实施条例 34).

/// The relations a tenderer declares: 控股 (it controls or is controlled by the party), 管理
/// (shared management), 参股 (shareholding), other (with the detail).
pub const INTEREST_KINDS: [&str; 4] = ["control", "management", "shareholding", "other"];

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewInterestedParty {
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    /// `control`, `management`, `shareholding` or `other`.
    #[schema(pattern = "^(control|management|shareholding|other)$")]
    pub relation: String,
    #[schema(max_length = 500)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterestedParty {
    pub section_id: String,
    pub uscc: String,
    pub relation: String,
    pub detail: Option<String>,
    pub declared_at: DateTime<Utc>,
}

/// The tenderer declares an organization with an interest in it on a section (实施条例 34): it may
/// not register. Declared before bidding opens (an invitee may not be declared: withdraw its
/// invitation first).
pub async fn declare_interested_party(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: NewInterestedParty,
) -> Result<InterestedParty> {
    actor.require(MANAGERS)?;
    let now = ctx.clock.now();
    let mut v = Violations::new();
    let uscc = v.take("uscc", Uscc::parse(input.uscc.trim()));
    if !INTEREST_KINDS.contains(&input.relation.as_str()) {
        v.push(
            "relation",
            "interested_party.relation",
            "relation must be one of control, management, shareholding, other",
        );
    }
    let detail = input
        .detail
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    if detail.as_ref().is_some_and(|d| d.chars().count() > 500) {
        v.push("detail", "max_length", "at most 500 characters");
    }
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    v.into_result()?;
    let uscc = uscc.expect("checked").as_str().to_string();
    s.before_bidding(
        "interested_party.too_late",
        "interested parties are declared",
    )?;
    let invited = crate::store::procedures::is_invitee(&mut tx, section_id, &uscc).await?;
    if invited {
        return Err(Error::field(
            "uscc",
            "interested_party.invited",
            "this organization is invited; issue the invitations again without it first",
        ));
    }
    let n = crate::store::procedures::insert_interested_party(
        &mut tx,
        crate::store::procedures::NewInterestedParty {
            section_id,
            uscc: &uscc,
            relation: &input.relation,
            detail: detail.as_deref(),
            declared_by: &actor.user_id,
            declared_at: now,
        },
    )
    .await?;
    if n == 0 {
        return Err(Error::conflict(
            "interested_party.duplicate",
            "this organization is already declared on the section",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        InterestedPartyDeclared {
            section_id: section_id.to_string(),
            project_id: s.project_id.to_string(),
            uscc: uscc.clone(),
            relation: input.relation.clone(),
            basis: "招标投标法实施条例 第三十四条".into(),
        }
        .encode(),
    )
    .await?;
    let out = InterestedParty {
        section_id: section_id.to_string(),
        uscc,
        relation: input.relation,
        detail,
        declared_at: now,
    };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

pub async fn list_interested_parties(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<Vec<InterestedParty>> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    may_read(actor, &s)?;
    let rows = crate::store::procedures::interested_parties(&mut conn, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| InterestedParty {
            section_id: section_id.to_string(),
            uscc: r.uscc,
            relation: r.relation,
            detail: r.detail,
            declared_at: r.declared_at,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Hooks called by bidding (registration, opening the bidding).

/// Who may register for the section, by its procedure's stages: a declared interested party of
/// the tenderer never (实施条例 34); with an `invitation` stage only invitees (招标投标法 17); with a
/// `prequalification_review` stage only applicants found qualified (实施条例 19). `market` and
/// `procedure` are the section's project's, as the registration read them with the section.
pub(crate) async fn registration_bar(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    (market, procedure): (Market, Procedure),
    uscc: &str,
    org_id: &str,
) -> Result<()> {
    let interested = crate::store::procedures::is_interested_party(conn, section_id, uscc).await?;
    if interested {
        return Err(Error::conflict(
            "registration.interested_party",
            "the tenderer declared your organization as an interested party: it may not bid on this \
             section (招标投标法实施条例 第三十四条)",
        ));
    }
    let stages = load(conn, market, procedure).await?;
    if let Some(st) = stages.get(stage::INVITATION) {
        let invited = crate::store::procedures::is_invitee(conn, section_id, uscc).await?;
        if !invited {
            return Err(Error::conflict(
                "registration.not_invited",
                format!(
                    "this section is an invited tender (邀请招标): only the invited organizations may \
                     register ({})",
                    st.source
                ),
            ));
        }
    }
    if let Some(st) = stages.get(stage::PREQUALIFICATION_REVIEW) {
        if !crate::prequalification::is_qualified(conn, section_id, org_id).await? {
            return Err(Error::conflict(
                "registration.not_qualified",
                format!(
                    "only applicants found qualified by the prequalification (资格预审) may register \
                     ({})",
                    st.source
                ),
            ));
        }
    }
    Ok(())
}

/// Before a section opens for bidding, the stages before registration must be complete: the
/// invitation letters issued (≥ `min_count`), the prequalification reviewed with enough qualified
/// applicants.
pub(crate) async fn bidding_ready(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<()> {
    let s = section_info(conn, section_id, "").await?;
    let stages = load(conn, s.market, s.procedure).await?;
    if let Some(st) = stages.get(stage::INVITATION) {
        let n = crate::store::procedures::invitee_count(conn, section_id).await?;
        let min = st.min_count.unwrap_or(0);
        if n < min {
            return Err(Error::conflict(
                "invitation.missing",
                format!(
                    "issue the invitation letters (投标邀请书) to at least {min} organizations before \
                     bidding opens ({n} issued; {})",
                    st.source
                ),
            ));
        }
    }
    if let Some(st) = stages.get(stage::PREQUALIFICATION_REVIEW) {
        if !crate::prequalification::is_complete(conn, section_id).await? {
            return Err(Error::conflict(
                "prequalification.not_complete",
                format!(
                    "the prequalification (资格预审) must be reviewed with at least {} qualified \
                     applicants before bidding opens ({})",
                    st.min_count.unwrap_or(0),
                    st.source
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stage: &str) -> StageRow {
        StageRow {
            seq: 1,
            stage: stage.into(),
            period: None,
            period_from: None,
            min_count: None,
            source: "x".into(),
        }
    }

    #[test]
    fn a_procedure_has_exactly_the_stages_of_its_rows() {
        let p = ProcedureStages {
            market: "construction".into(),
            procedure: "invited_tender".into(),
            stages: vec![row(stage::INVITATION), row(stage::REGISTRATION)],
        };
        assert!(p.has(stage::INVITATION));
        assert!(!p.has(stage::ANNOUNCEMENT));
        assert!(!p.has(stage::PREQUALIFICATION_REVIEW));
    }
}
