//! Consultation's 2-supplier exception (竞争性磋商, issue 21): a consultation declared, before
//! bidding opens, to be a research project with insufficient market competition or a supported
//! technology-transfer project (财库〔2014〕214号 第三条第四项; 第二十一条第三款: 提交最后报价的供应商
//! 可以为2家; 第三十四条第三项: 除第二十一条第三款规定的情形外 … 不足3家的 终止), or a government-purchased
//! service (政府购买服务项目, incl. PPP: 财库〔2015〕124号: 符合要求的供应商只有2家的，竞争性磋商采购
//! 活动可以继续进行; 只有1家的 … 应当终止) goes on with 2 qualified suppliers; with 1 it still ends.
//! The declaration (ground and reason) is recorded (`nontender_exceptions`, migration 0247) and in
//! `projects.nontender.exception_declared`; the opening, the review and the result read the
//! section's minimum from [`section_min_suppliers`].

use super::*;
use crate::procedures::{may_manage, may_read, section_info, MANAGERS, READERS};
use ggzy_events::projects::NontenderExceptionDeclared;
use ggzy_events::Contract;

/// 214号's articles as we read them (not checked against the official text here).
pub const RESEARCH_SOURCE: &str =
    "财库〔2014〕214号 第三条第四项、第二十一条第三款、第三十四条第三项 (to verify)";
/// 124号 as reprinted by 国家税务总局天津市税务局 (2015-07-24): a secondary copy of the notice.
pub const SERVICES_SOURCE: &str =
    "财库〔2015〕124号 (secondary: the notice as reprinted by 国家税务总局天津市税务局)";

/// Why a consultation may go on with 2 suppliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TwoSupplierGround {
    /// 市场竞争不充分的科研项目 (214号 第三条第四项).
    Research,
    /// 需要扶持的科技成果转化项目 (214号 第三条第四项).
    TechnologyTransfer,
    /// 政府购买服务项目, incl. 政府和社会资本合作项目 (财库〔2015〕124号).
    GovernmentServices,
}

impl TwoSupplierGround {
    pub const ALL: [TwoSupplierGround; 3] = [
        Self::Research,
        Self::TechnologyTransfer,
        Self::GovernmentServices,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Research => "research",
            Self::TechnologyTransfer => "technology_transfer",
            Self::GovernmentServices => "government_services",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn source(self) -> &'static str {
        match self {
            Self::Research | Self::TechnologyTransfer => RESEARCH_SOURCE,
            Self::GovernmentServices => SERVICES_SOURCE,
        }
    }
}

/// The fewest suppliers of a section's method given its declared exception: a consultation with
/// a 2-supplier ground goes on with 2 (1 still ends it); every other case is [`min_suppliers`]
/// (an exception is only ever declared on a consultation).
pub fn min_suppliers_for(
    procedure: Procedure,
    exception: Option<TwoSupplierGround>,
) -> Option<(i64, &'static str)> {
    match (procedure, exception) {
        (Procedure::CompetitiveConsultation, Some(g)) => Some((2, g.source())),
        _ => min_suppliers(procedure),
    }
}

/// The declared exception of a section, if any.
pub async fn declared_ground(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<TwoSupplierGround>> {
    let g = crate::store::nontender::exception_ground(conn, section_id).await?;
    g.map(|g| {
        TwoSupplierGround::parse(&g)
            .ok_or_else(|| Error::internal(format!("stored exception ground '{g}'")))
    })
    .transpose()
}

/// The section's minimum of suppliers ([`min_suppliers_for`] with its declared exception).
pub async fn section_min_suppliers(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    procedure: Procedure,
) -> Result<Option<(i64, &'static str)>> {
    let ground = if procedure == Procedure::CompetitiveConsultation {
        declared_ground(conn, section_id).await?
    } else {
        None
    };
    Ok(min_suppliers_for(procedure, ground))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExceptionInput {
    /// `research`, `technology_transfer` or `government_services`.
    #[schema(pattern = "^(research|technology_transfer|government_services)$")]
    pub ground: String,
    /// Why the project qualifies (1–500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TwoSupplierException {
    pub section_id: String,
    pub ground: TwoSupplierGround,
    pub reason: String,
    /// The fewest suppliers with which the consultation goes on (2).
    pub min_suppliers: i64,
    pub source: String,
    pub declared_at: chrono::DateTime<chrono::Utc>,
}

/// The project's tenderer or agency, or staff, declares the 2-supplier exception of a
/// consultation before bidding opens (once).
pub async fn declare(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ExceptionInput,
) -> Result<TwoSupplierException> {
    actor.require(MANAGERS)?;
    let now = ctx.clock.now();
    let mut v = Violations::new();
    let ground = TwoSupplierGround::parse(input.ground.trim());
    if ground.is_none() {
        v.push(
            "ground",
            "nontender.exception_ground",
            format!(
                "the ground is research or technology_transfer ({RESEARCH_SOURCE}) or \
                 government_services ({SERVICES_SOURCE})"
            ),
        );
    }
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        v.push(
            "reason",
            "required",
            "why the project qualifies (1–500 characters)",
        );
    }
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    if s.procedure != Procedure::CompetitiveConsultation {
        return Err(Error::conflict(
            "nontender.exception_not_consultation",
            format!(
                "the 2-supplier exception belongs to the competitive consultation (竞争性磋商); this \
                 section's procedure is {}",
                s.procedure.as_str()
            ),
        ));
    }
    s.before_bidding("nontender.exception_too_late", "the exception is declared")?;
    v.into_result()?;
    let ground = ground.expect("checked");
    let n = crate::store::nontender::insert_exception(
        &mut tx,
        section_id,
        ground.as_str(),
        &reason,
        &actor.user_id,
        now,
    )
    .await?;
    if n == 0 {
        return Err(Error::conflict(
            "nontender.exception_declared",
            "the section's 2-supplier exception is already declared",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NontenderExceptionDeclared {
            section_id: section_id.to_string(),
            project_id: s.project_id.clone(),
            ground: ground.as_str().to_string(),
            reason: reason.clone(),
            min_suppliers: 2,
            basis: ground.source().to_string(),
        }
        .encode(),
    )
    .await?;
    let out = TwoSupplierException {
        section_id: section_id.to_string(),
        ground,
        reason,
        min_suppliers: 2,
        source: ground.source().to_string(),
        declared_at: now,
    };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

/// The declared exception of a section (404 when none).
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<TwoSupplierException> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    may_read(actor, &s)?;
    let r = crate::store::nontender::exception(&mut conn, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("2-supplier exception of section {section_id}")))?;
    let ground = TwoSupplierGround::parse(&r.ground)
        .ok_or_else(|| Error::internal(format!("stored exception ground '{}'", r.ground)))?;
    Ok(TwoSupplierException {
        section_id: section_id.to_string(),
        ground,
        reason: r.reason,
        min_suppliers: 2,
        source: ground.source().to_string(),
        declared_at: r.declared_at,
    })
}
