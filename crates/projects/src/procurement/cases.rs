//! Use cases of the API.

use super::*;

// Use cases of the API.

/// The state of a procurement section's award path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcurementAward {
    pub section_id: String,
    pub project_id: String,
    pub report_ref: String,
    pub report_at: DateTime<Utc>,
    pub report_send_due_at: DateTime<Utc>,
    pub report_send_due_at_provisional: bool,
    pub report_sent_at: Option<DateTime<Utc>>,
    pub report_sent_late: bool,
    pub confirm_due_at: Option<DateTime<Utc>>,
    pub confirm_due_at_provisional: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The first candidate was deemed the winner when the purchaser's period passed.
    pub deemed: bool,
    pub announce_due_at: Option<DateTime<Utc>>,
    pub announce_due_at_provisional: bool,
    pub announced_at: Option<DateTime<Utc>>,
    pub announcement_id: Option<String>,
    pub announce_late: bool,
    pub contract_signed_on: Option<NaiveDate>,
    pub contract_announce_due_at: Option<DateTime<Utc>>,
    pub contract_announce_due_at_provisional: bool,
    pub contract_announced_at: Option<DateTime<Utc>>,
    pub contract_announcement_ref: Option<String>,
    pub contract_announce_late: bool,
    pub filed_at: Option<DateTime<Utc>>,
    pub filing_ref: Option<String>,
    pub rules: ProcurementAwardRules,
}

pub(super) async fn load(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<ProcurementAward> {
    let r = crate::store::procurement::award_path(conn, section_id)
        .await?
        .ok_or_else(|| {
            Error::not_found(format!("procurement award path of section {section_id}"))
        })?;
    let rules = load_rules(conn, &r.region).await?;
    Ok(ProcurementAward {
        section_id: section_id.to_string(),
        project_id: r.project_id,
        report_ref: r.report_ref,
        report_at: r.report_at,
        report_send_due_at: r.report_send_due_at,
        report_send_due_at_provisional: r.report_send_due_provisional,
        report_sent_at: r.report_sent_at,
        report_sent_late: r.report_sent_late,
        confirm_due_at: r.confirm_due_at,
        confirm_due_at_provisional: r.confirm_due_provisional,
        confirmed_at: r.confirmed_at,
        deemed: r.deemed,
        announce_due_at: r.announce_due_at,
        announce_due_at_provisional: r.announce_due_provisional,
        announced_at: r.announced_at,
        announcement_id: r.announcement_id,
        announce_late: r.announce_late,
        contract_signed_on: r.contract_signed_on,
        contract_announce_due_at: r.contract_announce_due_at,
        contract_announce_due_at_provisional: r.contract_announce_due_provisional,
        contract_announced_at: r.contract_announced_at,
        contract_announcement_ref: r.contract_announcement_ref,
        contract_announce_late: r.contract_announce_late,
        filed_at: r.filed_at,
        filing_ref: r.filing_ref,
        rules,
    })
}

/// The award path of a procurement section: the project's tenderer/agency, staff, supervisors and
/// administrators (the public reads the announcements).
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<ProcurementAward> {
    actor.require(&[
        Role::Tenderer,
        Role::Agency,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
    ])?;
    let mut conn = ctx.db.pool().acquire().await?;
    let sec = load_sec(&ctx.db, &mut conn, section_id, false).await?;
    if matches!(actor.role, Role::Tenderer | Role::Agency) {
        require_owner(actor, &sec)?;
    }
    load(&mut conn, section_id).await
}

pub(super) async fn owned_procurement_section(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    section_id: &str,
) -> Result<crate::award::Sec> {
    actor.require(&[Role::Tenderer, Role::Agency])?;
    let sec = load_sec(&ctx.db, tx, section_id, true).await?;
    require_owner(actor, &sec)?;
    if sec.market != Market::Procurement {
        return Err(Error::conflict(
            "procurement.not_procurement",
            "this step belongs to the government procurement award path",
        ));
    }
    Ok(sec)
}

/// The agency sends the committee's report to the purchaser (or the purchaser that organizes its
/// own procurement records it received): the confirmation period starts. A report sent after its
/// period is recorded, flagged late (the overdue alert has been raised by then).
pub async fn send_report(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<ProcurementAward> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let sec = owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    if sec.state != SectionState::Publicizing {
        return Err(Error::conflict(
            "procurement.no_report",
            format!(
                "section is in state {}; the report is sent while the result awaits confirmation",
                sec.state.as_str()
            ),
        ));
    }
    report_received(&mut tx, &ctx.db, &actor.actor_ref(), now, section_id).await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContractAnnouncementInput {
    /// Where the contract announcement (合同公告) was published (reference or address).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub announcement_ref: String,
}

pub(super) fn reference(field: &str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required (at most 500 characters)"),
        ));
    }
    Ok(t.to_string())
}

/// Record the contract announcement (政采条例 第五十条), once, after the contract; late when past
/// its period.
pub async fn announce_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ContractAnnouncementInput,
) -> Result<ProcurementAward> {
    let r = reference("announcement_ref", &input.announcement_ref)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    let cur = load(&mut tx, section_id).await?;
    let Some(due_at) = cur.contract_announce_due_at else {
        return Err(Error::conflict(
            "procurement.no_contract",
            "the contract is announced after it is signed and recorded",
        ));
    };
    if cur.contract_announced_at.is_some() {
        return Err(Error::conflict(
            "procurement.contract_already_announced",
            "the contract announcement has been recorded",
        ));
    }
    let late = now >= due_at;
    crate::store::procurement::record_contract_announced(&mut tx, section_id, now, &r, late)
        .await?;
    timers::cancel(&mut tx, &key(CONTRACT_ANNOUNCE_TIMER, section_id)).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ProcurementContractAnnounced {
            section_id: section_id.to_string(),
            project_id: cur.project_id.clone(),
            announcement_ref: r,
            announced_at: now,
            due_at,
            late,
            basis: cur.rules.contract_announce_source.clone(),
        }
        .encode(),
    )
    .await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FilingInput {
    /// The finance department's filing reference (备案号).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub filing_ref: String,
}

/// Record the contract's filing (备案, 政府采购法 第四十七条): after the contract announcement, once.
pub async fn file_contract(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: FilingInput,
) -> Result<ProcurementAward> {
    let r = reference("filing_ref", &input.filing_ref)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    owned_procurement_section(ctx, &mut tx, actor, section_id).await?;
    let cur = load(&mut tx, section_id).await?;
    if cur.contract_announced_at.is_none() {
        return Err(Error::conflict(
            "procurement.contract_not_announced",
            "the contract is filed after it has been signed and announced",
        ));
    }
    let n = crate::store::procurement::record_filed(&mut tx, section_id, now, &r).await?;
    expect_one(
        n,
        "procurement.already_filed",
        "the contract has been filed",
    )?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ProcurementContractFiled {
            section_id: section_id.to_string(),
            project_id: cur.project_id.clone(),
            filing_ref: r,
            filed_at: now,
            basis: FILING_SOURCE.to_string(),
        }
        .encode(),
    )
    .await?;
    let out = load(&mut tx, section_id).await?;
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}
