//! Draws (随机抽取): the request and its checks, the pool snapshot, stored draws and their views,
//! reveal and verification.

use super::*;
use ggzy_events::experts::DrawRevealed;
use ggzy_events::Contract;

/// A draw as staff request it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DrawRequest {
    /// The section (标段) the committee evaluates.
    #[schema(pattern = "\\S")]
    pub section_id: String,
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub tenderer_uscc: String,
    #[serde(default)]
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub agency_uscc: Option<String>,
    /// Every registered bidder of the section (unified social credit codes).
    #[serde(default)]
    #[schema(value_type = Vec<ggzy_core::ident::Uscc>)]
    pub bidder_usccs: Vec<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    /// Experts (and ordered backups) per specialty.
    pub specialties: Vec<SpecialtyCount>,
    /// Tenderer representatives on the committee (招标人代表), counted in its size.
    #[serde(default)]
    pub representatives: u32,
    /// Procurement budget (政府采购预算) when the section is government procurement (87号令 47).
    /// Only for a section the projects area has not announced: for a registered section the
    /// budget is the section's own (87号令 47 follows from it), and a different one is refused
    /// (`draw.budget_mismatch`).
    #[serde(default)]
    pub procurement_budget: Option<Money>,
    /// Where the evaluation takes place (the only thing besides the time that notices tell).
    #[serde(default)]
    pub place: Option<String>,
}

/// The stored form of a request (what `verify` recomputes with).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StoredRequest {
    pub section_id: String,
    pub tenderer_uscc: String,
    pub agency_uscc: Option<String>,
    pub bidder_usccs: Vec<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    pub specialties: Vec<SpecialtyCount>,
    pub representatives: u32,
    pub procurement_budget: Option<Money>,
    /// The section's market and procedure as the projects area registered them (absent for a
    /// section it had not announced, and in draws made before issue 21).
    #[serde(default)]
    pub market: Option<String>,
    #[serde(default)]
    pub procedure: Option<String>,
}

/// A request stored as JSON (`expert_draws.request`, `expert_draw_requests.request`).
impl From<Json<StoredRequest>> for StoredRequest {
    fn from(j: Json<StoredRequest>) -> Self {
        j.0
    }
}

/// A committee stored as JSON (`expert_draws.result`).
impl From<Json<draw::Committee>> for draw::Committee {
    fn from(j: Json<draw::Committee>) -> Self {
        j.0
    }
}

impl StoredRequest {
    /// Government procurement: the section's market says so, or (for a section the projects area
    /// has not announced) a procurement budget was given.
    pub fn is_procurement(&self) -> bool {
        match &self.market {
            Some(m) => m == "procurement",
            None => self.procurement_budget.is_some(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DrawnMember)]
pub struct Member {
    pub expert_id: String,
    pub name: String,
    pub specialty: String,
    /// `pending` (asked to confirm), `confirmed`, `declined`, `timed_out`, `recused`, `standby`
    /// (a backup not called), `skipped` (a backup that could no longer serve), `cancelled`.
    pub status: String,
    pub confirm_by: Option<DateTime<Utc>>,
    /// The expert this one replaced, or was replaced by.
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub reason: Option<String>,
}

/// A draw. The committee is shown only to staff and supervisors (招标投标法 37); the seed only after
/// it was revealed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draw {
    pub id: String,
    pub section_id: String,
    /// 1 for the first draw of the section; a re-draw takes the next number.
    pub attempt: i64,
    pub request: StoredRequest,
    /// sha256(seed), hex: fixed before the result is known.
    pub commitment: String,
    pub snapshot_digest: String,
    /// `None`: the seed was the centre's alone; `contributed-v1`: a two-step draw (crate::contrib)
    /// whose commitment is sha256(s_c) and whose seed is derived from every contribution.
    pub scheme: Option<String>,
    pub eligible_count: usize,
    /// The venues session this draw serves (draws requested through `venues.session.scheduled`).
    pub session_id: Option<String>,
    /// `active` or `cancelled`.
    pub status: String,
    pub place: Option<String>,
    /// The committee as selected (in selection order), with each member's state.
    pub members: Vec<Member>,
    /// The ordered backups as selected, with their state (a called backup is `pending` or later).
    pub backups: Vec<Member>,
    /// Who serves now: members and called backups that are pending or confirmed.
    pub serving: Vec<Member>,
    /// Every expert left out and all of the reasons.
    pub excluded: Vec<Excluded>,
    /// How many experts were left out for each reason (`related_kinship`, `not_in_procurement_pool`,
    /// `employed_by_party` …); an expert with several reasons counts under each.
    pub exclusion_counts: BTreeMap<String, usize>,
    pub seed: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revealed_at: Option<DateTime<Utc>>,
    /// Delivery state of the notices (staff and supervisors only).
    pub notifications: Vec<crate::notify::Notification>,
}

pub(crate) fn check_request(
    r: &DrawRequest,
    rules: &CommitteeRules,
    section: Option<&crate::relations::SectionTerms>,
) -> Result<StoredRequest> {
    let mut v = Violations::new();
    // The budget that sizes the committee is the registered section's (87号令 47), not a number
    // typed into the request.
    let budget = match section {
        Some(t) if t.market == "procurement" => {
            if r.procurement_budget.is_some() && r.procurement_budget != t.budget {
                v.push(
                    "procurement_budget",
                    "draw.budget_mismatch",
                    format!(
                        "the section's registered budget is {}; the committee size follows from it \
                         (87号令 47): omit procurement_budget",
                        t.budget.map(|b| b.to_string()).unwrap_or_else(|| "not given".into())
                    ),
                );
            }
            t.budget
        }
        Some(t) => {
            if r.procurement_budget.is_some() {
                v.push(
                    "procurement_budget",
                    "draw.not_procurement",
                    format!(
                        "the section is registered in the {} market, not government procurement",
                        t.market
                    ),
                );
            }
            None
        }
        None => r.procurement_budget,
    };
    if r.section_id.trim().is_empty() {
        v.push("section_id", "required", "section id is required");
    }
    let tenderer = v.take("tenderer_uscc", Uscc::parse(&r.tenderer_uscc));
    let agency = match &r.agency_uscc {
        Some(a) if !a.trim().is_empty() => v.take("agency_uscc", Uscc::parse(a)),
        _ => None,
    };
    let mut bidders = Vec::new();
    for (i, b) in r.bidder_usccs.iter().enumerate() {
        if let Some(u) = v.take(&format!("bidder_usccs[{i}]"), Uscc::parse(b)) {
            bidders.push(u.as_str().to_string());
        }
    }
    if r.session_end <= r.session_start {
        v.push(
            "session_end",
            "period.order",
            "the session must end after it starts",
        );
    }
    let mut specialties: BTreeMap<String, SpecialtyCount> = BTreeMap::new();
    for (i, s) in r.specialties.iter().enumerate() {
        if let Some(code) = v.take(
            &format!("specialties[{i}].specialty"),
            draw::parse_specialty(&s.specialty),
        ) {
            let e = specialties.entry(code.clone()).or_insert(SpecialtyCount {
                specialty: code,
                count: 0,
                backups: 0,
            });
            e.count = e.count.saturating_add(s.count);
            e.backups = e.backups.saturating_add(s.backups);
        }
    }
    let experts: u32 = specialties
        .values()
        .fold(0u32, |a, s| a.saturating_add(s.count));
    let backups: u32 = specialties
        .values()
        .fold(0u32, |a, s| a.saturating_add(s.backups));
    if backups > draw::MAX_BACKUPS {
        v.push(
            "specialties",
            "draw.max_backups",
            format!(
                "at most {} backups (备选专家) in all, got {backups} (platform limit)",
                draw::MAX_BACKUPS
            ),
        );
    }
    let mut errs = match v.into_result() {
        Err(Error::Validation(e)) => e,
        _ => vec![],
    };
    errs.extend(rules.check_for(
        section.map(|t| t.procedure.as_str()),
        experts,
        r.representatives,
        budget,
    ));
    match tenderer {
        Some(t) if errs.is_empty() => Ok(StoredRequest {
            section_id: r.section_id.trim().to_string(),
            tenderer_uscc: t.as_str().to_string(),
            agency_uscc: agency.map(|a| a.as_str().to_string()),
            bidder_usccs: bidders,
            session_start: r.session_start,
            session_end: r.session_end,
            specialties: specialties.into_values().collect(),
            representatives: r.representatives,
            procurement_budget: budget,
            market: section.map(|t| t.market.clone()),
            procedure: section.map(|t| t.procedure.clone()),
        }),
        _ => Err(Error::Validation(errs)),
    }
}

pub(crate) async fn load_pool(db: &ggzy_store::Db, tx: &mut Tx) -> Result<Vec<Candidate>> {
    // Two draws at once could book the same expert for overlapping sessions: lock the pool's rows
    // so that draws serialize (PostgreSQL; SQLite has one writer anyway).
    store::pool::lock_pool(tx, db).await?;
    let (conflicts, leaves) = side_tables(tx).await?;
    let relations = crate::relations::all(tx).await?;
    let mut assignments: HashMap<String, Vec<Assignment>> = HashMap::new();
    for r in store::draws::assignments(tx).await? {
        assignments
            .entry(r.expert_id)
            .or_default()
            .push(Assignment {
                draw_id: r.draw_id,
                tenderer_uscc: r.tenderer_uscc,
                session_start: r.session_start,
                session_end: r.session_end,
                drawn_at: r.drawn_at,
            });
    }
    let mut out = Vec::new();
    for r in load_experts(tx, None).await? {
        let e = r.into_expert(&conflicts, &leaves, &relations, true);
        let resident_id =
            ResidentId::parse(&e.resident_id).map_err(|e| Error::internal(e.message))?;
        let status = match e.status {
            PoolStatus::Active => Status::Active,
            PoolStatus::Retired => Status::Retired,
            PoolStatus::Suspended => Status::Suspended {
                from: e.suspended_from,
                until: e.suspended_until,
            },
        };
        out.push(Candidate {
            resident_id,
            employer_uscc: e.employer_uscc,
            specialties: e.specialties,
            title: e.title,
            years: e.years,
            status,
            conflicts: e.conflicts,
            leaves: e.leaves.iter().map(|l| (l.starts_at, l.ends_at)).collect(),
            assignments: assignments.remove(&e.id).unwrap_or_default(),
            procurement_pool: e.procurement_pool,
            relations: e
                .relations
                .iter()
                .map(crate::relations::Relation::screening)
                .collect(),
            id: e.id,
        });
    }
    Ok(out)
}

pub(crate) fn result_digest(c: &draw::Committee) -> String {
    ids::sha256_hex(&serde_json::to_vec(c).unwrap_or_default())
}

async fn load_draw(ctx: &Ctx, id: &str) -> Result<DrawRow> {
    let mut conn = ctx.db.pool().acquire().await?;
    load_draw_in(&mut conn, id).await
}

pub(crate) async fn load_draw_in(conn: &mut sqlx::AnyConnection, id: &str) -> Result<DrawRow> {
    store::draws::draw(conn, id)
        .await?
        .ok_or_else(|| Error::not_found("draw"))
}

#[tracing::instrument(skip_all)]
pub async fn get_draw(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Draw> {
    // Tenderers, agencies and bidders never see the committee before the result is determined
    // (招标投标法 37: the award, not the candidate publicity); experts never see it (they see their
    // own assignments).
    let d = load_draw(ctx, id).await?;
    if !READERS.contains(&actor.role) {
        actor.require(&[Role::Tenderer, Role::Agency, Role::Bidder])?;
        if !crate::committee::determined(&ctx.db, &d.section_id).await? {
            return Err(Error::forbidden(
                "the committee is confidential until the result is determined (招标投标法 37)",
            ));
        }
    }
    let mut conn = ctx.db.pool().acquire().await?;
    draw_view_in(&mut conn, actor, d).await
}

/// The draw as staff and supervisors read it, on a given connection (a use case's transaction,
/// to store the answer with its change: reveal, recusal, the supervisor's reveal).
pub(crate) async fn get_draw_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: &str,
) -> Result<Draw> {
    actor.require(READERS)?;
    let d = load_draw_in(conn, id).await?;
    draw_view_in(conn, actor, d).await
}

async fn draw_view_in(conn: &mut sqlx::AnyConnection, actor: &Actor, d: DrawRow) -> Result<Draw> {
    let id = d.id.as_str();
    let rows = crate::committee::member_rows(&mut *conn, id).await?;
    let view = |p: &draw::Pick| {
        let r = rows.get(&p.expert_id);
        Member {
            expert_id: p.expert_id.clone(),
            name: r.map(|r| r.name.clone()).unwrap_or_default(),
            specialty: p.specialty.clone(),
            status: r.map(|r| r.status.as_str().to_string()).unwrap_or_default(),
            confirm_by: r.and_then(|r| r.confirm_by),
            replaces: r.and_then(|r| r.replaces.clone()),
            replaced_by: r.and_then(|r| r.replaced_by.clone()),
            reason: r.and_then(|r| r.reason.clone()),
        }
    };
    let members: Vec<Member> = d.result.members.iter().map(view).collect();
    let backups: Vec<Member> = d.result.backups.iter().map(view).collect();
    let serving = members
        .iter()
        .chain(backups.iter())
        .filter(|m| m.status == "pending" || m.status == "confirmed")
        .cloned()
        .collect();
    let notifications = if READERS.contains(&actor.role) {
        crate::notify::for_draw_on(&mut *conn, id).await?
    } else {
        vec![]
    };
    Ok(Draw {
        members,
        backups,
        serving,
        id: d.id,
        section_id: d.section_id,
        attempt: d.attempt,
        request: d.request,
        commitment: d.commitment,
        snapshot_digest: d.snapshot_digest,
        scheme: d.scheme,
        eligible_count: d.snapshot.0.len(),
        session_id: d.session_id,
        status: d.status.as_str().to_string(),
        place: d.room_name,
        exclusion_counts: draw::exclusion_counts(&d.excluded.0),
        excluded: d.excluded.0,
        seed: d.revealed_at.map(|_| d.seed),
        created_at: d.created_at,
        revealed_at: d.revealed_at,
        notifications,
    })
}

/// Reveal the seed (staff) so that anyone can check the draw against its commitment.
#[tracing::instrument(skip_all)]
pub async fn reveal(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Draw> {
    actor.require(STAFF)?;
    let d = load_draw(ctx, id).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = store::draws::mark_revealed(&mut tx, id, now).await?;
    expect_one(n, "draw.already_revealed", "the seed was already revealed")?;
    // A two-step draw publishes the centre's secret too: with the supervisor's revealed secret
    // and the checkpoint, anyone recomputes the seed (crate::contrib).
    let centre_secret = match d.scheme {
        Some(_) => Some(crate::contrib::load(&mut *tx, id).await?.centre_secret),
        None => None,
    };
    let revealed = DrawRevealed {
        draw_id: id.to_string(),
        section_id: d.section_id.clone(),
        seed: d.seed.clone(),
        commitment: d.commitment.clone(),
        centre_secret,
        scheme: d.scheme.clone(),
    };
    emit(&mut tx, &ctx.db, &actor.actor_ref(), now, revealed.encode()).await?;
    let answer = get_draw_in(&mut tx, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    pub draw_id: String,
    pub seed: String,
    pub commitment: String,
    pub snapshot_digest: String,
    #[serde(flatten)]
    pub verification: Verification,
    /// Every input of a two-step draw and its checks (absent for centre-only draws).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contribution: Option<crate::contrib::ContributionReport>,
    /// For a stored centre-only draw (`scheme` null, made before every draw became two-step):
    /// what its check does and does not prove ([`CENTRE_ONLY_NOTE`]); absent for two-step draws.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme_note: Option<String>,
}

/// What `verify` says about a stored draw whose seed the server alone chose.
pub const CENTRE_ONLY_NOTE: &str =
    "this draw predates the two-step scheme (scheme null): its seed \
    was chosen by the server alone. The check proves the committee follows from the committed seed \
    and the snapshot, not that the operator did not choose the seed. Draws made since are two-step \
    (centre and supervisor secrets and a signed audit checkpoint, see contribution).";

/// Recompute a revealed draw from its seed and stored snapshot (anyone logged in).
#[tracing::instrument(skip_all)]
pub async fn verify(ctx: &Ctx, actor: &Actor, id: &str) -> Result<VerifyReport> {
    actor.require(&[
        Role::Admin,
        Role::Staff,
        Role::Tenderer,
        Role::Agency,
        Role::Bidder,
        Role::Expert,
        Role::Supervisor,
        Role::Bank,
    ])?;
    verify_stored(ctx, id).await
}

/// The check behind `verify` and `ggzy draw verify`: refused until the seed was revealed.
pub async fn verify_stored(ctx: &Ctx, id: &str) -> Result<VerifyReport> {
    verify_stored_with(ctx, id, None).await
}

/// [`verify_stored`] checking a two-step draw's checkpoint signature with `log_verifier` (a signed
/// note verifier key, as `GET /api/v1/audit/log-key` publishes it) instead of the configured key.
pub async fn verify_stored_with(
    ctx: &Ctx,
    id: &str,
    log_verifier: Option<&ggzy_store::note::NoteVerifier>,
) -> Result<VerifyReport> {
    let d = load_draw(ctx, id).await?;
    if d.revealed_at.is_none() {
        return Err(Error::conflict(
            "draw.not_revealed",
            "the seed has not been revealed yet",
        ));
    }
    if d.scheme.is_some() {
        let (contribution, verification) =
            crate::contrib::verify_report(ctx, &d, log_verifier).await?;
        return Ok(VerifyReport {
            draw_id: d.id,
            seed: d.seed,
            commitment: d.commitment,
            snapshot_digest: d.snapshot_digest,
            verification,
            contribution: Some(contribution),
            scheme_note: None,
        });
    }
    let seed = draw::parse_seed(&d.seed).ok_or_else(|| Error::internal("stored seed"))?;
    let verification = draw::verify(
        &seed,
        &d.commitment,
        &d.snapshot.0,
        &d.snapshot_digest,
        &d.request.specialties,
        &d.result,
    );
    Ok(VerifyReport {
        draw_id: d.id,
        seed: d.seed,
        commitment: d.commitment,
        snapshot_digest: d.snapshot_digest,
        verification,
        contribution: None,
        scheme_note: Some(CENTRE_ONLY_NOTE.to_string()),
    })
}
