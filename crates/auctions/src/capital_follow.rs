//! Following a capital increase (企业增资, [`crate::capital_increase`]): the list of capital
//! increases (the centre sees every one, the enterprise its own), the registered investors
//! (意向投资方) — for the enterprise only once the disclosure has ended, for the centre at any
//! time — and an investor's own state in every capital increase. The pages
//! ([`crate::capital_pages`]) call these same use cases. Reads only this area's tables.

use crate::capital_increase::{self, Criterion};
use crate::store::capital as store;
use ggzy_core::http::{Json, Path};
use ggzy_core::sql::Flag;
use ggzy_core::{Error, Money, Result, Timestamp};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// One capital increase in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapitalIncreaseItem {
    pub id: String,
    pub section_id: String,
    pub project_id: String,
    /// The section's name (the enterprise and the increase offered).
    pub name: String,
    /// `disclosure`, `selected`, `agreed`.
    pub phase: crate::capital_increase::CapitalPhase,
    pub disclosure_start: String,
    pub disclosure_end: String,
    pub amount_sought: String,
}

/// A registered investor (意向投资方) of a capital increase.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct InvestorLine {
    pub org_id: String,
    /// The number (编号) the auctions area gave it once registered with a valid deposit: only
    /// numbered investors are qualified and scored in the selection.
    pub number: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub registered: bool,
    #[sqlx(try_from = "Flag")]
    pub deposit_valid: bool,
}

/// An investor's own view of a capital increase.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvestorState {
    pub capital_increase_id: String,
    pub section_id: String,
    pub name: String,
    pub phase: crate::capital_increase::CapitalPhase,
    pub disclosure_start: String,
    pub disclosure_end: String,
    pub amount_sought: String,
    /// `competitive_negotiation` (竞争性谈判) or `comprehensive_evaluation` (综合评议).
    pub method: String,
    /// The disclosed criteria (择优指标) the selection scores.
    pub criteria: Vec<Criterion>,
    /// The section's deposit (保证金).
    pub deposit: Option<String>,
    pub registered: bool,
    pub deposit_valid: bool,
    pub number: Option<String>,
    /// `pending` (no selection yet), `selected` (the caller is the investor, or one of the
    /// investors when several were selected) or `not_selected`.
    pub outcome: String,
    /// The caller's amount in the agreement, when selected and agreed.
    pub agreed_amount: Option<String>,
}

async fn criteria_of(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<Criterion>> {
    store::criteria(conn, id).await
}

/// The capital increases the caller follows, latest disclosure end first (at most 200): every
/// one for staff, admin and supervisors, the enterprise's own for a tenderer or agency.
pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<CapitalIncreaseItem>> {
    actor.require(&[
        Role::Staff,
        Role::Admin,
        Role::Supervisor,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let own = matches!(actor.role, Role::Tenderer | Role::Agency);
    let rows = if own {
        store::owned_increases(&ctx.db, actor.org_id.as_deref().unwrap_or_default()).await?
    } else {
        store::all_increases(&ctx.db).await?
    };
    Ok(rows
        .into_iter()
        .map(|r| CapitalIncreaseItem {
            id: r.id,
            section_id: r.section_id,
            project_id: r.project_id,
            name: r.name,
            phase: r.phase,
            disclosure_start: r.disclosure_start.to_rfc3339(),
            disclosure_end: r.disclosure_end.to_rfc3339(),
            amount_sought: r.amount_sought_fen.to_string(),
        })
        .collect())
}

/// The registered investors of a capital increase: staff, admin and supervisors at any time; the
/// enterprise (the organization that registered the project; 404 for another) only after the
/// disclosure ended — before, 409 `capital.investors_confidential` (who applied stays
/// confidential while investors may still apply).
pub async fn investors(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Vec<InvestorLine>> {
    actor.require(&[
        Role::Staff,
        Role::Admin,
        Role::Supervisor,
        Role::Tenderer,
        Role::Agency,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let ci = capital_increase::load(&mut conn, id, "").await?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        let org = actor.org_id.as_deref().unwrap_or_default();
        if !crate::property::is_transferor(&mut conn, &ci.section_id, org).await? {
            return Err(Error::not_found("capital increase"));
        }
        if ctx.clock.now() < ci.disclosure_end {
            return Err(Error::conflict(
                "capital.investors_confidential",
                format!(
                    "the enterprise sees the registered investors once the disclosure has ended ({})",
                    ci.disclosure_end.to_rfc3339()
                ),
            ));
        }
    }
    section_investors(&mut conn, &ci.section_id).await
}

pub(crate) async fn section_investors(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<InvestorLine>> {
    store::section_investors(conn, section_id).await
}

/// Every capital increase with the calling investor's own state (bidder): the disclosed facts,
/// its registration, deposit and number, and whether it was selected. Never another investor's.
pub async fn mine(ctx: &Ctx, actor: &Actor) -> Result<Vec<InvestorState>> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("an investor acts for its organization"))?;
    let mut conn = ctx.db.pool().acquire().await?;
    let rows = store::increases_of_investor(&mut conn, &org).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.id;
        let phase = r.phase;
        let selected: Option<String> = r.investor_org_id;
        // Selected: among the selected investors (one, or several when the disclosure sought them).
        let is_me = r.my_amount_fen.is_some();
        let outcome = match (&selected, is_me) {
            (None, _) if phase == crate::capital_increase::CapitalPhase::Failed => "failed",
            (None, _) => "pending",
            (Some(_), true) => "selected",
            (Some(_), false) => "not_selected",
        };
        out.push(InvestorState {
            criteria: criteria_of(&mut conn, &id).await?,
            capital_increase_id: id,
            section_id: r.section_id,
            name: r.name,
            phase,
            disclosure_start: r.disclosure_start.to_rfc3339(),
            disclosure_end: r.disclosure_end.to_rfc3339(),
            amount_sought: r.amount_sought_fen.to_string(),
            method: r.method,
            deposit: r.deposit_fen.map(|f| f.to_string()),
            registered: r.registered == Some(1),
            deposit_valid: r.deposit_valid == Some(1),
            number: r.number,
            outcome: outcome.to_string(),
            // The caller's own part of the agreed increase (the whole with one investor).
            agreed_amount: match (r.agreed_fen, r.my_amount_fen) {
                (Some(_), Some(mine)) => Some(Money::from_fen(mine).to_string()),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Whether the disclosure of `ci` has ended by `now` (the selection may be recorded).
pub(crate) fn disclosure_over(end: &str, now: Timestamp) -> bool {
    chrono::DateTime::parse_from_rfc3339(end).is_ok_and(|e| now >= e.with_timezone(&chrono::Utc))
}

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(list_route))
        .routes(routes!(mine_route))
        .routes(routes!(investors_route))
}

/// The capital increases the caller follows (the centre: all; the enterprise: its own).
#[utoipa::path(get, path = "/api/v1/capital-increases", tag = "auctions",
    security(("bearer" = [])),
    responses((status = 200, body = [CapitalIncreaseItem]), (status = 403)))]
async fn list_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<CapitalIncreaseItem>>> {
    Ok(Json(list(&ctx, &actor).await?))
}

/// Every capital increase with the calling investor's (意向投资方) own registration, deposit,
/// number and outcome.
#[utoipa::path(get, path = "/api/v1/capital-increases/mine", tag = "auctions",
    security(("bearer" = [])),
    responses((status = 200, body = [InvestorState]), (status = 403)))]
async fn mine_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
) -> Result<Json<Vec<InvestorState>>> {
    Ok(Json(mine(&ctx, &actor).await?))
}

/// The registered investors (意向投资方) of a capital increase: the centre at any time, the
/// enterprise once the disclosure has ended (409 `capital.investors_confidential` before).
#[utoipa::path(get, path = "/api/v1/capital-increases/{id}/investors", tag = "auctions",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = [InvestorLine]), (status = 403), (status = 404),
              (status = 409, description = "the disclosure is still running (the enterprise)")))]
async fn investors_route(
    axum::extract::State(ctx): axum::extract::State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<InvestorLine>>> {
    Ok(Json(investors(&ctx, &actor, &id).await?))
}
