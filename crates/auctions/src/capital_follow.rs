//! Following a capital increase (企业增资, [`crate::capital_increase`]): the list of capital
//! increases (the centre sees every one, the enterprise its own), the registered investors
//! (意向投资方) — for the enterprise only once the disclosure has ended, for the centre at any
//! time — and an investor's own state in every capital increase. The pages
//! ([`crate::capital_pages`]) call these same use cases. Reads only this area's tables.

use crate::capital_increase::{self, Criterion};
use ggzy_core::http::{Json, Path};
use ggzy_core::sql::{At, Flag, MaybeMoney};
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
    pub phase: String,
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
    pub phase: String,
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
    Ok(sqlx::query_as(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: String,
    section_id: String,
    project_id: String,
    name: String,
    phase: String,
    #[sqlx(try_from = "At")]
    disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    disclosure_end: Timestamp,
    amount_sought_fen: Money,
}

#[derive(sqlx::FromRow)]
struct MineRow {
    id: String,
    section_id: String,
    name: String,
    phase: String,
    #[sqlx(try_from = "At")]
    disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    disclosure_end: Timestamp,
    amount_sought_fen: Money,
    method: String,
    #[sqlx(try_from = "MaybeMoney")]
    deposit_fen: Option<Money>,
    registered: Option<i64>,
    deposit_valid: Option<i64>,
    number: Option<String>,
    investor_org_id: Option<String>,
    #[sqlx(try_from = "MaybeMoney")]
    agreed_fen: Option<Money>,
    my_amount_fen: Option<i64>,
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
    let filter = if own {
        " WHERE s.owner_org_id = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.id, c.section_id, c.project_id, COALESCE(s.name, '') AS name, \
         CASE WHEN c.failed_at IS NOT NULL THEN 'failed' ELSE c.phase END AS phase, c.disclosure_start, c.disclosure_end, c.amount_sought_fen \
         FROM capital_increases c LEFT JOIN auction_sections s ON s.section_id = c.section_id{filter} \
         ORDER BY c.disclosure_end DESC, c.id LIMIT 200"
    );
    let mut q = sqlx::query_as::<_, ItemRow>(&sql);
    if own {
        q = q.bind(actor.org_id.clone().unwrap_or_default());
    }
    let rows = q.fetch_all(ctx.db.pool()).await?;
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
    Ok(sqlx::query_as(
        "SELECT org_id, number, registered, deposit_valid FROM auction_bidders \
         WHERE section_id = $1 AND registered = 1 \
         ORDER BY CASE WHEN number IS NULL THEN 1 ELSE 0 END, number, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
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
    let rows: Vec<MineRow> = sqlx::query_as(
        "SELECT c.id, c.section_id, COALESCE(s.name, '') AS name, \
         CASE WHEN c.failed_at IS NOT NULL THEN 'failed' ELSE c.phase END AS phase, c.disclosure_start, \
         c.disclosure_end, c.amount_sought_fen, c.method, s.deposit_fen, \
         b.registered, b.deposit_valid, b.number, sel.investor_org_id, ag.amount_fen AS agreed_fen, \
         mi.amount_fen AS my_amount_fen \
         FROM capital_increases c \
         LEFT JOIN auction_sections s ON s.section_id = c.section_id \
         LEFT JOIN auction_bidders b ON b.section_id = c.section_id AND b.org_id = $1 \
         LEFT JOIN capital_increase_selections sel ON sel.capital_increase_id = c.id \
         LEFT JOIN capital_increase_agreements ag ON ag.capital_increase_id = c.id \
         LEFT JOIN capital_increase_investors mi ON mi.capital_increase_id = c.id AND mi.org_id = $1 \
         ORDER BY c.disclosure_end DESC, c.id LIMIT 200",
    )
    .bind(&org)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.id;
        let phase: String = r.phase;
        let selected: Option<String> = r.investor_org_id;
        // Selected: among the selected investors (one, or several when the disclosure sought them).
        let is_me = r.my_amount_fen.is_some();
        let outcome = match (&selected, is_me) {
            (None, _) if phase == "failed" => "failed",
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
