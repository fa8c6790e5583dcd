//! Qualification review (资格审查) of government procurement by the purchaser or its agency
//! (政府采购, issue 20; docs/procurement.md "Qualification review").
//!
//! 财政部令第87号 第四十四条: 公开招标采购项目开标结束后，采购人或者采购代理机构应当依法对投标人的资格进行
//! 审查 — after the opening the purchaser or its agency reviews each supplier's qualification; the
//! committee's compliance review (符合性审查) and scoring follow, on the qualified suppliers only.
//!
//! - [`review`]: once per section, covering every opened supplier, each qualified or not with a
//!   reason. Writes `projects.qualification.reviewed` (the evaluation area lets the committee start
//!   on the qualified suppliers) and one `projects.qualification.rejected` per supplier found not
//!   qualified (the supplier is told the reason; it reads it through [`get`]).
//! - Fewer than 3 qualified suppliers is the mandatory 废标 (政府采购法 第三十六条; 87号令 第四十三条):
//!   the section fails in the same transaction (`projects.section.failed`, reason
//!   `too_few_qualified`, `stage: "qualification"`), as after the committee's review
//!   ([`crate::procurement::ReviewRejections`], which also counts these rejections).
//!
//! Construction, land and property sections are refused (409 `procurement.not_procurement`): their
//! committee reviews the qualification itself (评标规定), unchanged.

use crate::award::{load_sec, require_owner};
use crate::model::{SectionAction, SectionState};
use crate::procurement::{enough_qualified, MIN_QUALIFIED};
use crate::store::qualification as store;
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::time::from_micros;
use ggzy_core::{Error, Result};
use ggzy_events::projects::{QualificationRejected, SectionFailed};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::uow::Uow;
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 财政部令第87号 第四十四条: the purchaser or agency reviews the qualification after the opening.
pub const QUALIFICATION_SOURCE: &str = "财政部令第87号 第四十四条";

/// Longest reason kept for a supplier found not qualified.
pub const MAX_REASON_CHARS: usize = 1000;

/// One supplier's verdict in the input.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QualificationVerdictInput {
    pub org_id: String,
    pub qualified: bool,
    /// Required when `qualified` is false: the supplier is told it.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QualificationReviewInput {
    /// Every opened supplier of the section, once.
    pub suppliers: Vec<QualificationVerdictInput>,
}

/// One supplier's verdict as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierVerdict {
    pub org_id: String,
    pub org_name: String,
    pub qualified: bool,
    pub reason: Option<String>,
}

/// The qualification review of a section.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Qualification {
    pub section_id: String,
    /// Done (every opened supplier has its verdict).
    pub reviewed: bool,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The suppliers to review (before it is done) or reviewed; a bidder sees only its own.
    pub suppliers: Vec<SupplierVerdict>,
    pub qualified_count: Option<i64>,
    pub min_qualified: i64,
    pub basis: String,
}

/// The opened suppliers of a section (current, decrypted bids), with their names.
pub(crate) async fn opened_suppliers(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<(String, String)>> {
    Ok(store::opened_suppliers(conn, section_id)
        .await?
        .into_iter()
        .map(|r| (r.org_id, r.org_name.unwrap_or_default()))
        .collect())
}

async fn recorded(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<(SupplierVerdict, i64)>> {
    Ok(store::verdicts(conn, section_id)
        .await?
        .into_iter()
        .map(|r| {
            (
                SupplierVerdict {
                    org_id: r.org_id,
                    org_name: r.org_name,
                    qualified: r.qualified,
                    reason: r.reason,
                },
                r.reviewed_at,
            )
        })
        .collect())
}

async fn view(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    only_org: Option<&str>,
) -> Result<Qualification> {
    let rows = recorded(conn, section_id).await?;
    let reviewed = !rows.is_empty();
    let reviewed_at = rows.first().map(|(_, at)| from_micros(*at));
    let qualified_count = reviewed.then(|| rows.iter().filter(|(v, _)| v.qualified).count() as i64);
    let mut suppliers: Vec<SupplierVerdict> = if reviewed {
        rows.into_iter().map(|(v, _)| v).collect()
    } else {
        opened_suppliers(conn, section_id)
            .await?
            .into_iter()
            .map(|(org_id, org_name)| SupplierVerdict {
                org_id,
                org_name,
                qualified: false,
                reason: None,
            })
            .collect()
    };
    if let Some(org) = only_org {
        suppliers.retain(|v| v.org_id == org);
    }
    Ok(Qualification {
        section_id: section_id.to_string(),
        reviewed,
        reviewed_at,
        suppliers,
        qualified_count,
        min_qualified: MIN_QUALIFIED,
        basis: QUALIFICATION_SOURCE.into(),
    })
}

/// The review of a procurement section: the project's tenderer/agency, staff, supervisors and
/// administrators see every supplier; a bidder sees only its own verdict (with the reason when not
/// qualified), nothing about the others; anyone else 403.
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Qualification> {
    actor.require(&[
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
        Role::Bidder,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_sec(&ctx.db, &mut conn, section_id, false).await?;
    let only = match actor.role {
        Role::Tenderer | Role::Agency => {
            require_owner(actor, &sec)?;
            None
        }
        Role::Bidder => {
            let org = actor
                .org_id
                .as_deref()
                .ok_or_else(|| Error::forbidden("a bidder reads its own verdict"))?;
            let party = store::is_registered(&mut conn, section_id, org).await?;
            if !party {
                return Err(Error::forbidden(
                    "a supplier reads the qualification review of the sections it took part in",
                ));
            }
            Some(org)
        }
        _ => None,
    };
    view(&mut conn, section_id, only).await
}

/// Check an input against the opened suppliers: every one covered once, nothing else, a reason
/// for each supplier found not qualified. Pure.
pub fn check(opened: &[&str], input: &QualificationReviewInput) -> Result<()> {
    let mut v = Violations::new();
    if input.suppliers.is_empty() && !opened.is_empty() {
        v.push(
            "suppliers",
            "qualification.every_supplier",
            "the review covers every opened supplier",
        );
    }
    for o in opened {
        if !input.suppliers.iter().any(|s| s.org_id == *o) && !input.suppliers.is_empty() {
            v.push(
                "suppliers",
                "qualification.every_supplier",
                format!("the review covers every opened supplier; {o} is missing"),
            );
        }
    }
    for (i, s) in input.suppliers.iter().enumerate() {
        if !opened.contains(&s.org_id.as_str()) {
            v.push(
                format!("suppliers[{i}].org_id"),
                "qualification.unknown_supplier",
                "not an opened supplier of this section",
            );
        }
        if input.suppliers[..i].iter().any(|p| p.org_id == s.org_id) {
            v.push(
                format!("suppliers[{i}].org_id"),
                "qualification.duplicate",
                "each supplier appears once",
            );
        }
        let reason = s.reason.as_deref().map(str::trim).unwrap_or_default();
        if !s.qualified && reason.is_empty() {
            v.push(
                format!("suppliers[{i}].reason"),
                "qualification.reason_required",
                "a supplier found not qualified is told the reason (财政部令第87号 第四十四条)",
            );
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            v.push(
                format!("suppliers[{i}].reason"),
                "qualification.reason_length",
                format!("at most {MAX_REASON_CHARS} characters"),
            );
        }
    }
    v.into_result()
}

/// The purchaser or its agency records the qualification review of a procurement section, once,
/// after the opening (section `evaluating`), covering every opened supplier.
pub async fn review(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: QualificationReviewInput,
) -> Result<Qualification> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&ctx.db, &mut tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    if sec.market != Market::Procurement {
        return Err(Error::conflict(
            "procurement.not_procurement",
            "the purchaser's qualification review belongs to government procurement; the \
             committee reviews the qualification in the other markets",
        ));
    }
    if sec.state != SectionState::Evaluating {
        return Err(Error::conflict(
            "qualification.not_after_opening",
            format!(
                "section is in state {}; the qualification is reviewed after the opening, before \
                 the committee's evaluation",
                sec.state.as_str()
            ),
        ));
    }
    let exists = store::reviewed(&mut tx, section_id).await?;
    if exists {
        return Err(Error::conflict(
            "qualification.already_reviewed",
            "the qualification review of this section is recorded; it is done once",
        ));
    }
    let opened = opened_suppliers(&mut tx, section_id).await?;
    let ids: Vec<&str> = opened.iter().map(|(o, _)| o.as_str()).collect();
    check(&ids, &input)?;
    record(
        &mut Uow::within(&mut tx, &ctx.db, actor.actor_ref(), now),
        actor,
        section_id,
        &sec,
        &opened,
        &input,
    )
    .await?;
    let out = view(&mut tx, section_id, None).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

async fn record(
    u: &mut Uow<'_>,
    actor: &Actor,
    section_id: &str,
    sec: &crate::award::Sec,
    opened: &[(String, String)],
    input: &QualificationReviewInput,
) -> Result<()> {
    let now = u.now;
    let mut qualified = Vec::new();
    let mut rejected = Vec::new();
    for s in &input.suppliers {
        let name = opened
            .iter()
            .find(|(o, _)| *o == s.org_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let reason = (!s.qualified).then(|| s.reason.as_deref().unwrap_or_default().trim());
        store::insert_verdict(
            u.tx(),
            &store::NewVerdict {
                section_id,
                org_id: &s.org_id,
                org_name: &name,
                qualified: s.qualified,
                reason,
                reviewed_by: &actor.user_id,
                at: now,
            },
        )
        .await?;
        if s.qualified {
            qualified.push(s.org_id.clone());
        } else {
            rejected.push(ggzy_events::projects::QualificationRejection {
                org_id: s.org_id.clone(),
                reason: reason.map(str::to_string),
            });
            u.emit(
                QualificationRejected {
                    section_id: section_id.to_string(),
                    project_id: sec.project_id.clone(),
                    org_id: s.org_id.clone(),
                    reason: reason.map(str::to_string),
                    basis: QUALIFICATION_SOURCE.to_string(),
                }
                .encode(),
            )
            .await?;
        }
    }
    let count = qualified.len() as i64;
    u.emit(ggzy_events::Contract::encode(
        &ggzy_events::projects::QualificationReviewed {
            section_id: section_id.into(),
            project_id: sec.project_id.clone(),
            market: "procurement".into(),
            qualified: qualified.clone(),
            rejected: rejected.clone(),
            qualified_count: count,
            basis: QUALIFICATION_SOURCE.into(),
            reviewed_at: now,
        },
    ))
    .await?;
    if enough_qualified(count) {
        return Ok(());
    }
    // 政府采购法 第三十六条; 87号令 第四十三条: fewer than three qualified suppliers — 废标.
    let next = crate::model::transition(sec.state, SectionAction::Fail)?;
    crate::service::set_section_state(u.tx(), section_id, sec.state, next, now).await?;
    u.emit(
        SectionFailed {
            stage: Some("qualification".into()),
            qualified_count: Some(count),
            ..crate::procurement::too_few_qualified(
                section_id,
                &sec.project_id,
                (opened.len() as i64, rejected.len() as i64),
                now,
            )
        }
        .encode(),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Routes.

pub mod http {
    use super::*;
    use axum::extract::State;
    use ggzy_core::http::{Json, Path};
    use utoipa_axum::{router::OpenApiRouter, routes};

    pub fn router() -> OpenApiRouter<Ctx> {
        OpenApiRouter::new().routes(routes!(get_qualification_review, put_qualification_review))
    }

    /// The purchaser's qualification review of a procurement section (87号令 第四十四条).
    #[utoipa::path(get, path = "/api/v1/sections/{id}/qualification-review", tag = "award",
        params(("id" = String, Path)),
        responses((status = 200, body = Qualification)))]
    async fn get_qualification_review(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
    ) -> Result<Json<Qualification>> {
        Ok(Json(get(&ctx, &actor, &id).await?))
    }

    /// Record the qualification review (once, every opened supplier, a reason for each rejection).
    #[utoipa::path(put, path = "/api/v1/sections/{id}/qualification-review", tag = "award",
        params(("id" = String, Path)), request_body = QualificationReviewInput,
        responses((status = 200, body = Qualification)))]
    async fn put_qualification_review(
        State(ctx): State<Ctx>,
        actor: Actor,
        Path(id): Path<String>,
        Json(input): Json<QualificationReviewInput>,
    ) -> Result<Json<Qualification>> {
        Ok(Json(review(&ctx, &actor, &id, input).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: &[(&str, bool, Option<&str>)]) -> QualificationReviewInput {
        QualificationReviewInput {
            suppliers: v
                .iter()
                .map(|(o, q, r)| QualificationVerdictInput {
                    org_id: o.to_string(),
                    qualified: *q,
                    reason: r.map(str::to_string),
                })
                .collect(),
        }
    }

    fn rules(r: Result<()>) -> Vec<String> {
        match r {
            Err(Error::Validation(v)) => v.into_iter().map(|e| e.rule).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_opened_supplier_once_and_a_reason_for_each_rejection() {
        let opened = ["a", "b", "c"];
        assert!(check(
            &opened,
            &input(&[
                ("a", true, None),
                ("b", false, Some("营业执照过期")),
                ("c", true, None)
            ])
        )
        .is_ok());
        assert_eq!(
            rules(check(
                &opened,
                &input(&[
                    ("a", true, None),
                    ("b", false, Some("  ")),
                    ("x", true, None)
                ])
            )),
            [
                "qualification.every_supplier",
                "qualification.reason_required",
                "qualification.unknown_supplier"
            ]
        );
        assert_eq!(
            rules(check(
                &opened,
                &input(&[
                    ("a", true, None),
                    ("a", true, None),
                    ("b", true, None),
                    ("c", true, None)
                ])
            )),
            ["qualification.duplicate"]
        );
        let long = "字".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(
            rules(check(
                &opened,
                &input(&[
                    ("a", true, None),
                    ("b", false, Some(&long)),
                    ("c", true, None)
                ])
            )),
            ["qualification.reason_length"]
        );
    }
}
