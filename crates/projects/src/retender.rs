//! Re-tender after 流标 (重新招标): a failed section is registered again in one step, as a new section
//! of the same project that refers to the failed one (`section_retenders`), with the reason. The
//! new section keeps the failed one's name, estimated price, deposit and subject, takes new dates
//! (checked by the registration rules of its procedure) and starts `registered`: the project was
//! registered (登记确认) already.
//!
//! 招标投标法 第二十八条 and 实施条例 第四十四条 (fewer than 3 bidders: re-tender); 政府采购法 第三十六条、
//! 第三十七条 and 财政部令第87号 第四十三条 (procurement: after 废标 re-tender, or another procurement
//! method approved by the finance department before it starts). A change of procedure is
//! recorded with its approval (the approving document, who approved, when) and is possible only
//! when every other section of the project is concluded (the procedure belongs to the project).

use crate::model::SectionState;
use crate::procedures::{may_manage, may_read, section_info};
use crate::rules::{check_registration, Procedure, ProjectInput, SectionInput};
use crate::service::{load, load_rules, section_registered, Section};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::error::Violations;
use ggzy_core::ident::Market;
use ggzy_core::time::local_date;
use ggzy_core::{ids, Error, Result};
use ggzy_events::projects::{RetenderApproval, SectionRetendered};
use ggzy_events::Contract;
use ggzy_identity::Actor;
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The sources of a change of procedure after a failed tender, by market.
pub fn method_change_source(market: Market) -> &'static str {
    match market {
        Market::Procurement => "政府采购法 第三十七条; 财政部令第87号 第四十三条",
        // 邀请招标 of a project that must be tendered needs the approving department's decision.
        _ => "招标投标法实施条例 第八条",
    }
}

/// The basis of a re-tender by market.
pub fn retender_source(market: Market) -> &'static str {
    match market {
        Market::Procurement => "政府采购法 第三十六条、第三十七条; 财政部令第87号 第四十三条",
        _ => "招标投标法 第二十八条; 招标投标法实施条例 第四十四条",
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = RetenderApproval)]
pub struct Approval {
    /// The approving document (批复文号 or title).
    #[schema(min_length = 1, max_length = 200)]
    pub document: String,
    /// Who approved (the finance department or the project's approving department).
    #[schema(min_length = 1, max_length = 200)]
    pub approved_by: String,
    /// The approval's date (not in the future).
    pub approved_on: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRetender {
    /// Why the section is tendered again (at most 2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    pub docs_issue_at: DateTime<Utc>,
    pub docs_sale_end_at: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    /// Another procedure (e.g. after a failed open tender); needs `approval`.
    #[serde(default)]
    pub procedure: Option<String>,
    #[serde(default)]
    pub approval: Option<Approval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetenderLink {
    pub old_section_id: String,
    pub new_section_id: String,
    pub reason: String,
    pub old_procedure: String,
    pub new_procedure: String,
    pub approval_document: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub basis: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Retendered {
    pub link: RetenderLink,
    /// The new section (state `registered`).
    pub section: Section,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetenderLinks {
    /// The failed section this one re-tenders.
    pub retenders: Option<RetenderLink>,
    /// The section that re-tenders this failed one.
    pub retendered_by: Option<RetenderLink>,
}

impl From<crate::store::retender::LinkRow> for RetenderLink {
    fn from(r: crate::store::retender::LinkRow) -> RetenderLink {
        RetenderLink {
            old_section_id: r.old_section_id,
            new_section_id: r.new_section_id,
            reason: r.reason,
            old_procedure: r.old_procedure,
            new_procedure: r.new_procedure,
            approval_document: r.approval_document,
            approved_by: r.approved_by,
            approved_on: r.approved_on,
            basis: retender_source(r.market).to_string(),
            created_at: r.created_at,
        }
    }
}

/// The re-tender links of a section (either side), for the API and the pages.
pub async fn links_of(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<RetenderLinks> {
    let retenders = crate::store::retender::link_by_new(conn, section_id)
        .await?
        .map(RetenderLink::from);
    let retendered_by = crate::store::retender::link_by_old(conn, section_id)
        .await?
        .map(RetenderLink::from);
    Ok(RetenderLinks {
        retenders,
        retendered_by,
    })
}

pub async fn get_links(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<RetenderLinks> {
    actor.require(crate::procedures::READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    may_read(actor, &s)?;
    links_of(&mut conn, section_id).await
}

/// Re-register a failed section (the project's tenderer or agency, or staff).
pub async fn retender(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: NewRetender,
) -> Result<Retendered> {
    actor.require(crate::procedures::MANAGERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    if s.state != SectionState::Failed {
        return Err(Error::conflict(
            "retender.not_failed",
            format!(
                "the section is {}; only a failed section (流标) is tendered again this way",
                s.state.as_str()
            ),
        ));
    }
    let done = crate::store::retender::is_retendered(&mut tx, section_id).await?;
    if done {
        return Err(Error::conflict(
            "retender.duplicate",
            "this failed section has already been tendered again",
        ));
    }
    let mut v = Violations::new();
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        v.push(
            "reason",
            "required",
            "the reason of the re-tender (1–2000 characters)",
        );
    }
    let new_procedure = match input.procedure.as_deref().map(str::trim) {
        None | Some("") => Some(s.procedure),
        Some(p) => {
            v.take("procedure", Procedure::parse(p))
                .and_then(|p| match p.check_market(s.market) {
                    Ok(()) => Some(p),
                    Err(e) => {
                        v.push("procedure", e.rule, e.message);
                        None
                    }
                })
        }
    };
    let changed = new_procedure.is_some_and(|p| p != s.procedure);
    let source = method_change_source(s.market);
    let today = local_date(now);
    if changed {
        match &input.approval {
            None => v.push(
                "approval",
                "retender.approval_required",
                format!(
                    "a change of procedure after a failed tender needs the approval recorded: the \
                     document, who approved and when ({source})"
                ),
            ),
            Some(a) => {
                for (f, val) in [("document", &a.document), ("approved_by", &a.approved_by)] {
                    let t = val.trim();
                    if t.is_empty() || t.chars().count() > 200 {
                        v.push(
                            format!("approval.{f}"),
                            "required",
                            "required (at most 200 characters)",
                        );
                    }
                }
                if a.approved_on > today {
                    v.push(
                        "approval.approved_on",
                        "retender.approval_in_future",
                        "the approval cannot be dated after today",
                    );
                }
            }
        }
        let others =
            crate::store::retender::other_active_sections(&mut tx, &s.project_id, section_id)
                .await?;
        if others > 0 {
            v.push(
                "procedure",
                "retender.other_sections_active",
                "the procedure belongs to the project: it changes only when every other section \
                 is concluded",
            );
        }
    }
    if input.bid_deadline <= now {
        v.push(
            "bid_deadline",
            "retender.deadline_in_future",
            "the new bid deadline must be in the future",
        );
    }
    let old = crate::store::retender::old_section(&mut tx, section_id).await?;
    let name = old.name;
    let price = old.estimated_price_fen;
    let deposit = old.deposit_fen;
    let subject = old.subject;
    let region = old.region;
    // The re-tender keeps the section's stated bid validity (投标有效期).
    let validity = old.bid_validity_days;
    if let Some(p) = new_procedure {
        match load_rules(&mut tx, &region, s.market, p).await? {
            None => v.push(
                "procedure",
                "retender.no_rules",
                format!(
                    "no registration rules for procedure {} in the {} market",
                    p.as_str(),
                    s.market.as_str()
                ),
            ),
            Some(rules) => {
                let input_rules = ProjectInput {
                    market: s.market,
                    procedure: p,
                    sections: vec![SectionInput {
                        estimated_price: price,
                        deposit,
                        docs_issue_at: input.docs_issue_at,
                        docs_sale_end_at: input.docs_sale_end_at,
                        bid_deadline: input.bid_deadline,
                        opening_at: input.opening_at,
                        subject: subject
                            .as_deref()
                            .and_then(|k| crate::rules::Subject::parse(k).ok()),
                    }],
                };
                if let Err(errs) = check_registration(&rules, &ctx.calendar, &input_rules) {
                    for mut e in errs {
                        e.field = e.field.replace("sections[0].", "");
                        v.0.push(e);
                    }
                }
            }
        }
    }
    v.into_result()?;
    let new_procedure = new_procedure.expect("checked");
    let no = crate::store::retender::next_section_no(&mut tx, &s.project_id).await?;
    let new_id = ids::new_id();
    crate::store::retender::insert_section(
        &mut tx,
        crate::store::retender::NewSection {
            id: &new_id,
            project_id: &s.project_id,
            section_no: no,
            name: &name,
            estimated_price: price,
            deposit,
            docs_issue_at: input.docs_issue_at,
            docs_sale_end_at: input.docs_sale_end_at,
            bid_deadline: input.bid_deadline,
            opening_at: input.opening_at,
            created_at: now,
            subject: subject.as_deref(),
            bid_validity_days: validity,
        },
    )
    .await?;
    if changed {
        crate::store::retender::set_procedure(&mut tx, &s.project_id, new_procedure.as_str(), now)
            .await?;
    }
    let approval = input.approval.filter(|_| changed);
    crate::store::retender::insert_link(
        &mut tx,
        crate::store::retender::NewLink {
            new_section_id: &new_id,
            old_section_id: section_id,
            reason: &reason,
            old_procedure: s.procedure.as_str(),
            new_procedure: new_procedure.as_str(),
            approval_document: approval.as_ref().map(|a| a.document.trim().to_string()),
            approved_by: approval.as_ref().map(|a| a.approved_by.trim().to_string()),
            approved_on: approval.as_ref().map(|a| a.approved_on.to_string()),
            created_by: &actor.user_id,
            created_at: now,
        },
    )
    .await?;
    let p = load(&mut tx, &s.project_id).await?;
    let section = p
        .sections
        .iter()
        .find(|x| x.id == new_id)
        .cloned()
        .ok_or_else(|| Error::internal("re-tendered section just written"))?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        section_registered(&p, &section).encode(),
    )
    .await?;
    let basis = retender_source(s.market);
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        SectionRetendered {
            section_id: section_id.to_string(),
            new_section_id: new_id.clone(),
            project_id: s.project_id.clone(),
            reason: reason.clone(),
            old_procedure: s.procedure.as_str().to_string(),
            new_procedure: new_procedure.as_str().to_string(),
            approval: approval.as_ref().map(|a| RetenderApproval {
                document: a.document.trim().to_string(),
                approved_by: a.approved_by.trim().to_string(),
                approved_on: a.approved_on,
                basis: source.to_string(),
            }),
            basis: basis.to_string(),
        }
        .encode(),
    )
    .await?;
    let link = links_of(&mut tx, &new_id)
        .await?
        .retenders
        .ok_or_else(|| Error::internal("re-tender link just written"))?;
    let out = Retendered { link, section };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}
