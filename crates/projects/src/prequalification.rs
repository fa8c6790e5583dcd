//! Prequalification (资格预审, 招标投标法实施条例 第十五条至第二十一条) of a section whose procedure has
//! the `prequalification_*` stages (`prequalified_tender`, crate::procedures):
//!
//! 1. the tenderer (or its agency, or staff) opens a round: the prequalification documents are
//!    issued and sold for at least the `prequalification_documents` period (5 days, 实施条例 16);
//!    applications are due at least the `prequalification_applications` period after the sale
//!    ends (5 days, 实施条例 17), and before the tender documents are issued;
//! 2. bidders apply until the applications are due;
//! 3. after that, the review committee or the tenderer (实施条例 18) records for every applicant
//!    qualified or not, with the reason; every applicant gets a result notice (资格预审结果通知书,
//!    实施条例 19). With fewer qualified applicants than the `prequalification_review` stage's
//!    `min_count` (3) the round fails and a new round is opened (重新进行资格预审, 实施条例 19);
//!    otherwise only the qualified applicants may register and bid
//!    (crate::procedures::registration_bar).

use crate::procedures::{self, may_manage, section_info, stage, ProcedureStages};
use crate::rules::{DayKind, MinPeriod};
use crate::store::prequalification as store;
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::time::{display_local, local_date};
use ggzy_core::{ids, Error, Result};
use ggzy_events::projects::{PrequalificationDeadlineChanged, PrequalificationNotice};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPrequalification {
    /// When the prequalification documents (资格预审文件) are first issued.
    pub docs_issue_at: DateTime<Utc>,
    /// When their sale (发售) ends.
    pub docs_sale_end_at: DateTime<Utc>,
    /// When the applications (资格预审申请文件) are due.
    pub applications_due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Applicant {
    pub org_id: String,
    pub uscc: String,
    pub org_name: String,
    pub submitted_at: DateTime<Utc>,
    /// None until the review.
    pub qualified: Option<bool>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Prequalification {
    pub id: String,
    pub section_id: String,
    /// 1 for the first round; a failed round is followed by the next (实施条例 19).
    pub round: i64,
    pub docs_issue_at: DateTime<Utc>,
    pub docs_sale_end_at: DateTime<Utc>,
    pub applications_due_at: DateTime<Utc>,
    /// `open`, `qualified` (enough qualified applicants: registration is theirs) or `failed`.
    pub state: String,
    /// `committee` (资格审查委员会) or `tenderer`.
    pub reviewer: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub min_qualified: i64,
    pub applicants: Vec<Applicant>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReviewResult {
    pub org_id: String,
    pub qualified: bool,
    /// Why (qualified or not): the criteria of the prequalification documents met or missed.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Review {
    /// `committee` (资格审查委员会, required for state-funded projects, 实施条例 18) or `tenderer`.
    pub reviewer: String,
    /// One result per applicant.
    pub results: Vec<ReviewResult>,
}

async fn load_round(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<Prequalification>> {
    let r = store::latest_round(conn, section_id).await?;
    let Some(r) = r else { return Ok(None) };
    let apps = store::applicants(conn, &r.id)
        .await?
        .into_iter()
        .map(|a| Applicant {
            org_id: a.org_id,
            uscc: a.uscc,
            org_name: a.org_name,
            submitted_at: a.submitted_at,
            qualified: a.qualified.map(|q| q != 0),
            reason: a.reason,
        })
        .collect::<Vec<_>>();
    Ok(Some(Prequalification {
        id: r.id,
        section_id: r.section_id,
        round: r.round,
        docs_issue_at: r.docs_issue_at,
        docs_sale_end_at: r.docs_sale_end_at,
        applications_due_at: r.applications_due_at,
        state: r.state,
        reviewer: r.reviewer,
        reviewed_at: r.reviewed_at,
        min_qualified: 0,
        applicants: apps,
    }))
}

fn min_qualified(stages: &ProcedureStages) -> i64 {
    stages
        .get(stage::PREQUALIFICATION_REVIEW)
        .and_then(|s| s.min_count)
        .unwrap_or(0)
}

fn no_prequalification(stages: &ProcedureStages) -> Error {
    Error::conflict(
        "prequalification.not_prequalified_procedure",
        format!(
            "procedure {} of the {} market has no prequalification (资格预审)",
            stages.procedure, stages.market
        ),
    )
}

fn meets(
    cal: &ggzy_core::calendar::BusinessCalendar,
    p: &MinPeriod,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    let days = match p.kind {
        DayKind::Calendar => ggzy_core::period::Days::calendar(p.days),
        DayKind::Working => ggzy_core::period::Days::working(p.days),
    };
    ggzy_core::period::reaches_day(cal, local_date(from), local_date(to), days).value
}

fn describe(p: &MinPeriod) -> String {
    match p.kind {
        DayKind::Calendar => format!("{} days", p.days),
        DayKind::Working => format!("{} working days", p.days),
    }
}

/// Open a prequalification round (the first, or the next after a failed one).
pub async fn open_round(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: NewPrequalification,
) -> Result<Prequalification> {
    actor.require(procedures::MANAGERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    let stages = procedures::load(&mut tx, s.market, s.procedure).await?;
    if !stages.has(stage::PREQUALIFICATION_REVIEW) {
        return Err(no_prequalification(&stages));
    }
    s.before_bidding("prequalification.too_late", "prequalification happens")?;
    let prev = load_round(&mut tx, section_id).await?;
    if let Some(p) = &prev {
        if p.state != "failed" {
            return Err(Error::conflict(
                "prequalification.round_exists",
                format!(
                    "round {} is {}; a new round follows only a failed one (招标投标法实施条例 第十九条)",
                    p.round, p.state
                ),
            ));
        }
    }
    let tender_docs_issue = store::section_docs_issue_at(&mut tx, section_id).await?;
    let cal = &ctx.calendar;
    let mut v = Violations::new();
    if input.docs_sale_end_at < input.docs_issue_at {
        v.push(
            "docs_sale_end_at",
            "prequalification.sale_end_after_issue",
            "the sale must end after the documents are first issued",
        );
    }
    if let Some(p) = stages
        .get(stage::PREQUALIFICATION_DOCUMENTS)
        .and_then(|s| s.period.clone())
    {
        if !meets(cal, &p, input.docs_issue_at, input.docs_sale_end_at) {
            v.push(
                "docs_sale_end_at",
                "prequalification.sale_min_days",
                format!(
                    "the prequalification documents are sold for at least {} from {} ({})",
                    describe(&p),
                    local_date(input.docs_issue_at),
                    p.source
                ),
            );
        }
    }
    if let Some(p) = stages
        .get(stage::PREQUALIFICATION_APPLICATIONS)
        .and_then(|s| s.period.clone())
    {
        if !meets(cal, &p, input.docs_sale_end_at, input.applications_due_at) {
            v.push(
                "applications_due_at",
                "prequalification.applications_min_days",
                format!(
                    "applications are due at least {} after the sale ends on {} ({})",
                    describe(&p),
                    local_date(input.docs_sale_end_at),
                    p.source
                ),
            );
        }
    }
    if input.applications_due_at > tender_docs_issue {
        v.push(
            "applications_due_at",
            "prequalification.before_tender_documents",
            format!(
                "applications are due before the tender documents are issued ({})",
                display_local(tender_docs_issue)
            ),
        );
    }
    if input.applications_due_at <= now {
        v.push(
            "applications_due_at",
            "prequalification.due_in_future",
            "the applications' due time must be in the future",
        );
    }
    v.into_result()?;
    let id = ids::new_id();
    let round = prev.map(|p| p.round + 1).unwrap_or(1);
    store::insert_round(
        &mut tx,
        &store::NewRound {
            id: &id,
            section_id,
            round,
            docs_issue_at: input.docs_issue_at,
            docs_sale_end_at: input.docs_sale_end_at,
            applications_due_at: input.applications_due_at,
            created_by: &actor.user_id,
            at: now,
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::PrequalificationOpened {
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.to_string()),
            prequalification_id: id.to_string(),
            round,
            docs_issue_at: input.docs_issue_at,
            docs_sale_end_at: input.docs_sale_end_at,
            applications_due_at: input.applications_due_at,
            basis: Some("招标投标法实施条例 第十五条、第十六条、第十七条".into()),
        }),
    )
    .await?;
    let mut out = load_round(&mut tx, section_id)
        .await?
        .ok_or_else(|| Error::internal("prequalification round just written"))?;
    out.min_qualified = min_qualified(&stages);
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

/// A bidder applies to the open round, until the applications are due.
pub async fn apply(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Prequalification> {
    actor.require(&[Role::Bidder])?;
    let org_id = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    // 实施条例 22: an objection to the prequalification documents suspends the prequalification
    // until it is answered (remedies; crate::suspension).
    crate::suspension::ensure_not_suspended(&mut tx, section_id).await?;
    let stages = procedures::load(&mut tx, s.market, s.procedure).await?;
    if !stages.has(stage::PREQUALIFICATION_REVIEW) {
        return Err(no_prequalification(&stages));
    }
    let round = load_round(&mut tx, section_id)
        .await?
        .filter(|p| p.state == "open")
        .ok_or_else(|| {
            Error::conflict(
                "prequalification.not_open",
                "no prequalification round of this section takes applications",
            )
        })?;
    if now < round.docs_issue_at {
        return Err(Error::conflict(
            "prequalification.not_yet_issued",
            format!(
                "the prequalification documents are issued on {}",
                display_local(round.docs_issue_at)
            ),
        ));
    }
    if now.timestamp() >= round.applications_due_at.timestamp() {
        return Err(Error::conflict(
            "prequalification.after_deadline",
            format!(
                "applications were due at {} (招标投标法实施条例 第十七条)",
                display_local(round.applications_due_at)
            ),
        ));
    }
    let org = store::org(&mut tx, &org_id).await?.ok_or_else(|| {
        Error::conflict(
            "organization.unknown",
            format!("organization {org_id} is not (yet) known to the projects area; retry shortly"),
        )
    })?;
    let store::OrgRow { uscc, name } = org;
    if let Some(why) =
        crate::bidding::own_project_bar(&org_id, &uscc, &s.owner_org_id, &s.tenderer_uscc)
    {
        return Err(Error::conflict("registration.own_project", why));
    }
    let n = store::insert_application(
        &mut tx,
        &store::NewApplication {
            id: &ids::new_id(),
            prequalification_id: &round.id,
            org_id: &org_id,
            uscc: &uscc,
            org_name: &name,
            submitted_by: &actor.user_id,
            at: now,
        },
    )
    .await?;
    if n == 0 {
        return Err(Error::conflict(
            "prequalification.duplicate",
            "your organization has already applied in this round",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::PrequalificationApplied {
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.to_string()),
            prequalification_id: round.id.to_string(),
            org_id: org_id.to_string(),
            uscc: Some(uscc.to_string()),
        }),
    )
    .await?;
    let mut out = load_round(&mut tx, section_id)
        .await?
        .ok_or_else(|| Error::internal("prequalification round"))?;
    out.applicants.retain(|a| a.org_id == org_id);
    out.min_qualified = min_qualified(&stages);
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

/// The review of the open round once applications are due: one result per applicant.
pub async fn review(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: Review,
) -> Result<Prequalification> {
    actor.require(procedures::MANAGERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    // 实施条例 22: an objection to the prequalification documents suspends the prequalification
    // until it is answered (remedies; crate::suspension).
    crate::suspension::ensure_not_suspended(&mut tx, section_id).await?;
    may_manage(actor, &s)?;
    let stages = procedures::load(&mut tx, s.market, s.procedure).await?;
    let Some(st) = stages.get(stage::PREQUALIFICATION_REVIEW).cloned() else {
        return Err(no_prequalification(&stages));
    };
    let round = load_round(&mut tx, section_id)
        .await?
        .filter(|p| p.state == "open")
        .ok_or_else(|| {
            Error::conflict(
                "prequalification.not_open",
                "no open prequalification round to review",
            )
        })?;
    if now.timestamp() < round.applications_due_at.timestamp() {
        return Err(Error::conflict(
            "prequalification.before_deadline",
            format!(
                "applications are due at {}; the review follows",
                display_local(round.applications_due_at)
            ),
        ));
    }
    let mut v = Violations::new();
    if !matches!(input.reviewer.as_str(), "committee" | "tenderer") {
        v.push(
            "reviewer",
            "prequalification.reviewer",
            "reviewer must be committee (资格审查委员会) or tenderer (招标投标法实施条例 第十八条)",
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in input.results.iter().enumerate() {
        if !round.applicants.iter().any(|a| a.org_id == r.org_id) {
            v.push(
                format!("results[{i}].org_id"),
                "prequalification.not_applicant",
                "this organization did not apply in this round",
            );
        } else if !seen.insert(r.org_id.as_str()) {
            v.push(
                format!("results[{i}].org_id"),
                "prequalification.duplicate_result",
                "one result per applicant",
            );
        }
        let reason = r.reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            v.push(
                format!("results[{i}].reason"),
                "required",
                "the reason of the result (1–1000 characters)",
            );
        }
    }
    for a in &round.applicants {
        if !seen.contains(a.org_id.as_str()) && !input.results.iter().any(|r| r.org_id == a.org_id)
        {
            v.push(
                "results",
                "prequalification.review_incomplete",
                format!("no result for the applicant {} ({})", a.org_name, a.uscc),
            );
        }
    }
    v.into_result()?;
    let qualified = input.results.iter().filter(|r| r.qualified).count() as i64;
    let min = st.min_count.unwrap_or(0);
    let state = if qualified >= min {
        "qualified"
    } else {
        "failed"
    };
    for r in &input.results {
        store::set_result(&mut tx, &round.id, &r.org_id, r.qualified, r.reason.trim()).await?;
    }
    store::close_round(
        &mut tx,
        &round.id,
        state,
        &input.reviewer,
        &actor.user_id,
        now,
    )
    .await?;
    let by = actor.actor_ref();
    // 实施条例 19: the result notice (资格预审结果通知书) to every applicant.
    for r in &input.results {
        emit(
            &mut tx,
            &ctx.db,
            &by,
            now,
            PrequalificationNotice {
                section_id: section_id.to_string(),
                project_id: s.project_id.to_string(),
                prequalification_id: round.id.to_string(),
                org_id: r.org_id.clone(),
                qualified: r.qualified,
                reason: r.reason.trim().to_string(),
                basis: "招标投标法实施条例 第十九条".into(),
            }
            .encode(),
        )
        .await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        ggzy_events::Contract::encode(&ggzy_events::projects::PrequalificationReviewed {
            section_id: section_id.to_string(),
            project_id: Some(s.project_id.to_string()),
            prequalification_id: round.id.to_string(),
            round: round.round,
            state: state.to_string(),
            qualified,
            min_qualified: min,
            reviewer: input.reviewer.to_string(),
            basis: Some(st.source.to_string()),
        }),
    )
    .await?;
    let mut out = load_round(&mut tx, section_id)
        .await?
        .ok_or_else(|| Error::internal("prequalification round"))?;
    out.min_qualified = min;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

/// The latest round: the project's organization, staff and supervisors see every applicant; a
/// bidder sees its own application only.
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Prequalification> {
    actor.require(&[
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
        Role::Bidder,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    if actor.role != Role::Bidder {
        procedures::may_read(actor, &s)?;
    }
    let stages = procedures::load(&mut conn, s.market, s.procedure).await?;
    let mut p = load_round(&mut conn, section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("prequalification of section {section_id}")))?;
    if actor.role == Role::Bidder {
        let own = actor.org_id.clone().unwrap_or_default();
        p.applicants.retain(|a| a.org_id == own);
    }
    p.min_qualified = min_qualified(&stages);
    Ok(p)
}

/// Is `org_id` a qualified applicant of the section's qualified round?
pub(crate) async fn is_qualified(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    let r = store::qualified_flag(conn, section_id, org_id).await?;
    Ok(r.flatten() == Some(1))
}

/// Has the section a round reviewed with enough qualified applicants?
pub(crate) async fn is_complete(conn: &mut sqlx::AnyConnection, section_id: &str) -> Result<bool> {
    store::has_qualified_round(conn, section_id).await
}

pub(crate) use store::OpenRound;

/// The open round of a section, locked (None when no round is open).
pub(crate) async fn open_round_for_update(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    section_id: &str,
) -> Result<Option<OpenRound>> {
    store::open_round_for_update(tx, db, section_id).await
}

/// A move of an open round's applications deadline and why.
pub(crate) struct DueMove<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) new_due: chrono::DateTime<Utc>,
    pub(crate) suspended_seconds: Option<i64>,
    pub(crate) remedy_case_id: Option<&'a str>,
    pub(crate) basis: &'a str,
}

/// Moves the round's applications deadline and emits `projects.prequalification.deadline_changed`
/// (remedies, publishing and monitoring follow it).
pub(crate) async fn move_applications_due(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    round: &OpenRound,
    m: DueMove<'_>,
    by: &'static str,
) -> Result<()> {
    store::set_applications_due(tx, &round.id, m.new_due).await?;
    emit(
        tx,
        db,
        &ggzy_core::events::ActorRef::system(by),
        now,
        PrequalificationDeadlineChanged {
            section_id: m.section_id.to_string(),
            project_id: Some(m.project_id.to_string()),
            prequalification_id: round.id.clone(),
            old_applications_due_at: Some(round.applications_due_at),
            applications_due_at: m.new_due,
            suspended_seconds: m.suspended_seconds,
            remedy_case_id: m.remedy_case_id.map(str::to_string),
            basis: Some(m.basis.to_string()),
        }
        .encode(),
    )
    .await?;
    Ok(())
}

/// A change notice amended the prequalification documents fewer than 3 days before the
/// applications were due (招标投标法实施条例 第二十一条; publishing decided the new deadline when it
/// published the notice): the open round's deadline moves. A published notice is a fact: what
/// cannot apply (no open round any more, the deadline already passed, not a later time) is
/// skipped with a warning, never retried forever.
pub(crate) async fn postponed_by_notice(
    tx: &mut ggzy_store::Tx,
    db: &ggzy_store::Db,
    now: chrono::DateTime<Utc>,
    entry: &ggzy_events::publishing::PrequalificationPostponement,
    announcement_id: &str,
) -> Result<()> {
    let section_id = entry.section_id.as_str();
    let project = store::section_project(tx, section_id).await?;
    let Some(project_id) = project else {
        tracing::warn!(
            section_id,
            announcement_id,
            "postponement for an unknown section"
        );
        return Ok(());
    };
    let Some(round) = open_round_for_update(tx, db, section_id).await? else {
        tracing::warn!(
            section_id,
            announcement_id,
            "no open prequalification round; not applied"
        );
        return Ok(());
    };
    if now >= round.applications_due_at
        || entry.new_applications_due_at <= round.applications_due_at
    {
        tracing::warn!(
            section_id,
            announcement_id,
            "applications already due or not a later deadline; not applied"
        );
        return Ok(());
    }
    move_applications_due(
        tx,
        db,
        now,
        &round,
        DueMove {
            section_id,
            project_id: &project_id,
            new_due: entry.new_applications_due_at,
            suspended_seconds: None,
            remedy_case_id: None,
            basis: "招标投标法实施条例 第二十一条",
        },
        "projects.announcements",
    )
    .await
}
