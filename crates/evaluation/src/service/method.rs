//! Method declaration.

use super::*;
use crate::store::sections;

/// The change notices come from publishing's events (`evaluation.projection`): a notice published
/// a moment ago may not have arrived yet. Wait briefly, then answer 409 with `Retry-After`
/// (`method.change_notice_not_caught_up`) rather than a misleading 422
/// `method.change_notice_unknown` (issue 17, item 5). Outside the write transaction.
async fn notice_projected(ctx: &Ctx, section_id: &str, announcement_id: &str) -> Result<()> {
    use ggzy_events::publishing::AnnouncementPublished;
    use ggzy_events::Contract as _;
    let db = ctx.db.clone();
    ggzy_store::consumer::wait_for_projection(
        &ctx.db,
        "evaluation.projection",
        &[AnnouncementPublished::NAME],
        std::time::Duration::from_secs(2),
        "method.change_notice_not_caught_up",
        "the change notice",
        || {
            let db = db.clone();
            async move { sections::change_notice_known(&db, section_id, announcement_id).await }
        },
    )
    .await
    .map(|_| ())
}

/// Declare (or replace) the section's method (tenderer or agency of the owning organization), only
/// before the first bid arrives: the tender documents fix the method and it may not change once
/// bidders relied on it (评标规定 第十七条: evaluation only by the standards and method the
/// documents fixed).
pub async fn declare_method(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    spec: MethodSpec,
) -> Result<MethodSpec> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    if let Err(v) = spec.validate() {
        return Err(Error::Validation(v.0));
    }
    if let Some(id) = spec.change_notice_id.as_deref() {
        notice_projected(ctx, section_id, id).await?;
    }
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, true).await?;
    if actor.org_id.as_deref() != Some(sec.owner_org_id.as_str()) {
        return Err(Error::forbidden(
            "only the tenderer (or its agency) of the section declares its method",
        ));
    }
    if let (Some(required), Some(f)) = (
        rules::required_price_formula(&sec.market),
        spec.price_formula.as_ref(),
    ) {
        if spec.method == Method::Comprehensive && f.kind != required {
            return Err(Error::field(
                "price_formula.kind",
                "price_formula.market_requires_lowest_ratio",
                "government procurement scores the price by the lowest-price ratio, base / bid × points \
                 (87号令 第五十五条: 综合评分法中的价格分统一采用低价优先法)",
            ));
        }
    }
    if let Err(v) = spec.validate_for(&sec.market, sec.subject.as_deref()) {
        return Err(Error::Validation(v.0));
    }
    let now = ctx.clock.now();
    let notice = match &spec.change_notice_id {
        None => false,
        Some(id) => {
            let known = sections::change_notice_published_at(&mut tx, section_id, id).await?;
            // A notice of the issued documents: published after they were issued.
            let of_issued = |at: i64| sec.issued_at.is_none_or(|i| at >= i);
            if known.is_none_or(|at| !of_issued(at)) {
                return Err(Error::field(
                    "change_notice_id",
                    "method.change_notice_unknown",
                    "not a published change notice (变更公告) of this section's issued documents",
                ));
            }
            true
        }
    };
    if let Some(e) = method_frozen(&sec, notice, now) {
        return Err(e);
    }
    let text = serde_json::to_string(&spec).map_err(|e| Error::internal(e.to_string()))?;
    sections::set_method(&mut tx, section_id, &text, to_micros(now)).await?;
    let declared = MethodDeclared {
        section_id: section_id.into(),
        method: serde_json::to_value(&spec).map_err(|e| Error::internal(e.to_string()))?,
    };
    section_event(&mut tx, ctx, &actor.actor_ref(), now, &declared).await?;
    ctx.db.commit_answering(tx, 200, &spec, now).await?;
    Ok(spec)
}

/// Why the section's method can no longer change, as the refusal [`declare_method`] gives; `None`
/// while it may still be declared. The one place the freeze is decided ([`rules::method_change`]):
/// the owner's page (which cites no change notice) shows the method read-only exactly when this
/// refuses without a notice.
fn method_frozen(sec: &Sec, notice: bool, now: Timestamp) -> Option<Error> {
    let deadline = sec.bid_deadline.map(ggzy_core::time::from_micros);
    let rule = rules::method_change(
        sec.issued_at.is_some(),
        sec.bid_count > 0,
        notice,
        now,
        deadline,
    )
    .err()?;
    let detail = match rule {
        "method.change_too_late" => format!(
            "a change of the issued documents reaches the bidders at least {} days before the bid \
             deadline {} ({})",
            rules::CHANGE_MIN_DAYS,
            deadline.map(|d| d.to_rfc3339()).unwrap_or_default(),
            rules::METHOD_FIXED_SOURCE
        ),
        _ => format!(
            "the tender documents are issued ({} bid(s) arrived): the evaluation method they fix \
             changes only through a published change notice (change_notice_id) at least {} days \
             before the bid deadline ({})",
            sec.bid_count,
            rules::CHANGE_MIN_DAYS,
            rules::METHOD_FIXED_SOURCE
        ),
    };
    Some(Error::conflict(rule, detail))
}

/// What the owner's method page shows (`/tenderer/sections/{id}/evaluation-method`).
#[derive(Debug)]
pub struct MethodView {
    pub section_id: String,
    pub market: String,
    pub method: Option<MethodSpec>,
    /// The price formula the market's law fixes (government procurement: the lowest-price ratio).
    pub required_formula: Option<rules::PriceFormulaKind>,
    /// The refusal [`declare_method`] would give now (the method is frozen), if any.
    pub frozen: Option<Error>,
}

/// The section's method for its owner (tenderer or agency of the owning organization; anyone else
/// 403, as [`declare_method`]).
pub async fn method_for_owner(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<MethodView> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    tx.rollback().await?;
    if actor.org_id.as_deref() != Some(sec.owner_org_id.as_str()) {
        return Err(Error::forbidden(
            "only the tenderer (or its agency) of the section declares its method",
        ));
    }
    Ok(MethodView {
        frozen: method_frozen(&sec, false, ctx.clock.now()),
        required_formula: rules::required_price_formula(&sec.market),
        section_id: sec.section_id,
        market: sec.market,
        method: sec.method,
    })
}
