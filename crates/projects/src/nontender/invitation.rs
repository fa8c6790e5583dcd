//! How a negotiation, inquiry or consultation invites its suppliers (issue 21): 财政部令第74号
//! 第十二条 (谈判, 询价) and 财库〔2014〕214号 第六条 (磋商) — 通过发布公告、从省级以上财政部门建立的
//! 供应商库中随机抽取或者采购人和评审专家分别书面推荐的方式邀请不少于3家符合相应资格条件的供应商;
//! 采取书面推荐方式的 … 采购人推荐供应商的比例不得高于推荐供应商总数的50% (both articles as we read
//! them; to verify against the official text).
//!
//! A section declares its method before bidding opens: `announcement` (open registration, also
//! the default without a declaration), `draw` (a random draw from the named supplier database's
//! list: a recorded seed, each supplier's key SHA-256(`seed:uscc`) as `ggzy_core::lot`, the
//! lowest keys drawn; anyone can recompute it; a draw is final) or `recommendation` (each
//! supplier with who recommended it, the purchaser's share ≤ 50 %). With a draw or recommendations
//! only the invited suppliers register ([`registration_bar`], as an invited tender's invitees).
//! Data: `nontender_invitations`, `nontender_invitees` (migration 0247); event
//! `projects.nontender.suppliers_invited`.

use super::*;
use crate::procedures::{may_manage, may_read, section_info, MANAGERS, READERS};
use ggzy_core::ident::Uscc;
use ggzy_events::projects::{NontenderInvitee, NontenderSuppliersInvited};
use ggzy_events::Contract;
use std::collections::HashSet;

// ---------------------------------------------------------------------------------------------
// Rules (pure).

/// The fewest suppliers invited (74号令 第十二条; 214号 第六条).
pub const MIN_INVITEES: usize = 3;
/// The purchaser's recommendations may not exceed this percentage of the recommended suppliers.
pub const PURCHASER_SHARE_MAX_PERCENT: usize = 50;

/// The article of the invitation of a method (`None`: the method invites no one this way — single
/// source and the tender procedures).
pub fn invitation_source(procedure: Procedure) -> Option<&'static str> {
    match procedure {
        Procedure::CompetitiveNegotiation | Procedure::Inquiry => {
            Some("财政部令第74号 第十二条 (to verify)")
        }
        Procedure::CompetitiveConsultation => Some("财库〔2014〕214号 第六条 (to verify)"),
        _ => None,
    }
}

/// Is the purchaser's share of the recommended suppliers within the limit (≤ 50 %)?
pub fn purchaser_share_ok(purchaser: usize, total: usize) -> bool {
    purchaser * 100 <= total * PURCHASER_SHARE_MAX_PERCENT
}

/// The suppliers a draw with `seed` takes from `pool` (USCCs): the `n` lowest keys
/// ([`ggzy_core::lot::key`] of the USCC), in key order, with their keys.
pub fn draw(seed: &str, pool: &[String], n: usize) -> Vec<(String, String)> {
    let mut keyed: Vec<(String, String)> = pool
        .iter()
        .map(|u| (u.clone(), ggzy_core::lot::key(seed, u)))
        .collect();
    keyed.sort_by(|a, b| a.1.cmp(&b.1));
    keyed.truncate(n);
    keyed
}

/// How suppliers are invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationMethod {
    Announcement,
    Draw,
    Recommendation,
}

impl InvitationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Announcement => "announcement",
            Self::Draw => "draw",
            Self::Recommendation => "recommendation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Announcement, Self::Draw, Self::Recommendation]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// Only the invited suppliers register.
    pub fn restricts(self) -> bool {
        self != Self::Announcement
    }
}

// ---------------------------------------------------------------------------------------------
// Input and output.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SupplierInput {
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RecommendationInput {
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `purchaser` or `expert` (评审专家).
    #[schema(pattern = "^(purchaser|expert)$")]
    pub by: String,
    /// Who signed the written recommendation (the purchaser, or the expert's name).
    #[schema(min_length = 1, max_length = 200)]
    pub recommender: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InvitationInput {
    /// `announcement`, `draw` or `recommendation`.
    #[schema(pattern = "^(announcement|draw|recommendation)$")]
    pub method: String,
    /// Recommendation: the recommended suppliers (each once).
    #[serde(default)]
    pub recommendations: Vec<RecommendationInput>,
    /// Draw: the supplier database drawn from (省级以上财政部门建立的供应商库).
    #[serde(default)]
    pub pool: Option<String>,
    /// Draw: the database's qualified suppliers drawn from.
    #[serde(default)]
    pub pool_suppliers: Vec<SupplierInput>,
    /// Draw: how many suppliers are drawn (≥ 3).
    #[serde(default)]
    pub draw_count: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitedSupplier {
    pub uscc: String,
    pub name: String,
    /// `draw`, `purchaser` or `expert`.
    pub source: String,
    pub recommender: Option<String>,
    /// The supplier's key in the draw (SHA-256 of `seed:uscc`).
    pub draw_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierInvitation {
    pub section_id: String,
    pub method: InvitationMethod,
    /// Only the invited suppliers register (draw, recommendation).
    pub restricted: bool,
    pub invitees: Vec<InvitedSupplier>,
    pub pool: Option<String>,
    /// The USCCs drawn from (draw).
    pub pool_suppliers: Vec<String>,
    pub seed: Option<String>,
    pub draw_count: Option<i64>,
    /// How the draw derives from the seed.
    pub rule: Option<String>,
    pub min_invitees: i64,
    pub source: String,
}

// ---------------------------------------------------------------------------------------------
// Service.

fn name_ok(v: &mut Violations, field: String, name: &str) -> bool {
    if name.is_empty() || name.chars().count() > 200 {
        v.push(field, "required", "1–200 characters");
        return false;
    }
    true
}

/// A supplier's USCC checked, distinct in the list.
fn uscc_of(
    v: &mut Violations,
    field: String,
    raw: &str,
    (seen, barred): (&mut HashSet<String>, &HashSet<String>),
) -> Option<String> {
    let u = v
        .take(&field, Uscc::parse(raw.trim()))?
        .as_str()
        .to_string();
    if barred.contains(&u) {
        v.push(
            field,
            "nontender.invitee_barred",
            "the purchaser itself or an interested party it declared on the section may not be \
             invited (registration refuses them: registration.interested_party)",
        );
        return None;
    }
    if !seen.insert(u.clone()) {
        v.push(
            field,
            "nontender.duplicate_supplier",
            "this organization is already on the list",
        );
        return None;
    }
    Some(u)
}

struct Plan {
    method: InvitationMethod,
    invitees: Vec<InvitedSupplier>,
    pool: Option<String>,
    pool_suppliers: Vec<String>,
    seed: Option<String>,
    draw_count: Option<i64>,
}

fn too_few(v: &mut Violations, field: &str, n: usize, source: &str) {
    v.push(
        field,
        "nontender.min_invitees",
        format!("at least {MIN_INVITEES} suppliers are invited, {n} given ({source})"),
    );
}

/// Check the input and, for a draw, draw (pure but for the fresh seed). `barred`: the USCCs that
/// may not be invited (the purchaser's own, its declared interested parties).
fn plan(
    input: &InvitationInput,
    source: &str,
    seed: String,
    barred: &HashSet<String>,
) -> Result<Plan> {
    let mut v = Violations::new();
    let Some(method) = InvitationMethod::parse(input.method.trim()) else {
        return Err(Error::field(
            "method",
            "nontender.invitation_method",
            "the method is announcement, draw or recommendation",
        ));
    };
    let mut seen = HashSet::new();
    let mut out = Plan {
        method,
        invitees: Vec::new(),
        pool: None,
        pool_suppliers: Vec::new(),
        seed: None,
        draw_count: None,
    };
    match method {
        InvitationMethod::Announcement => {}
        InvitationMethod::Recommendation => {
            let mut purchaser = 0usize;
            for (i, r) in input.recommendations.iter().enumerate() {
                let name = r.name.trim();
                name_ok(&mut v, format!("recommendations[{i}].name"), name);
                let recommender = r.recommender.trim();
                name_ok(
                    &mut v,
                    format!("recommendations[{i}].recommender"),
                    recommender,
                );
                let by = r.by.trim();
                if by == "purchaser" {
                    purchaser += 1;
                } else if by != "expert" {
                    v.push(
                        format!("recommendations[{i}].by"),
                        "nontender.recommended_by",
                        "a recommendation is the purchaser's or an evaluation expert's (purchaser, expert)",
                    );
                }
                if let Some(uscc) = uscc_of(
                    &mut v,
                    format!("recommendations[{i}].uscc"),
                    &r.uscc,
                    (&mut seen, barred),
                ) {
                    out.invitees.push(InvitedSupplier {
                        uscc,
                        name: name.to_string(),
                        source: by.to_string(),
                        recommender: Some(recommender.to_string()),
                        draw_key: None,
                    });
                }
            }
            let total = input.recommendations.len();
            if total < MIN_INVITEES {
                too_few(&mut v, "recommendations", total, source);
            } else if !purchaser_share_ok(purchaser, total) {
                v.push(
                    "recommendations",
                    "nontender.purchaser_share",
                    format!(
                        "the purchaser recommends at most {PURCHASER_SHARE_MAX_PERCENT} % of the \
                         recommended suppliers: {purchaser} of {total} ({source})"
                    ),
                );
            }
        }
        InvitationMethod::Draw => {
            let pool = input.pool.as_deref().unwrap_or("").trim().to_string();
            name_ok(&mut v, "pool".into(), &pool);
            let mut names = HashMap::new();
            for (i, s) in input.pool_suppliers.iter().enumerate() {
                let name = s.name.trim();
                name_ok(&mut v, format!("pool_suppliers[{i}].name"), name);
                if let Some(u) = uscc_of(
                    &mut v,
                    format!("pool_suppliers[{i}].uscc"),
                    &s.uscc,
                    (&mut seen, barred),
                ) {
                    names.insert(u.clone(), name.to_string());
                    out.pool_suppliers.push(u);
                }
            }
            let n = input.draw_count.unwrap_or(0);
            let count = usize::try_from(n).unwrap_or(0);
            if count < MIN_INVITEES {
                too_few(&mut v, "draw_count", count, source);
            } else if count > input.pool_suppliers.len() {
                v.push(
                    "draw_count",
                    "nontender.pool_too_small",
                    format!(
                        "{count} suppliers cannot be drawn from {} in the pool",
                        input.pool_suppliers.len()
                    ),
                );
            }
            // Draw only from a valid request.
            std::mem::replace(&mut v, Violations::new()).into_result()?;
            out.invitees = draw(&seed, &out.pool_suppliers, count)
                .into_iter()
                .map(|(uscc, key)| InvitedSupplier {
                    name: names.get(&uscc).cloned().unwrap_or_default(),
                    uscc,
                    source: "draw".into(),
                    recommender: None,
                    draw_key: Some(key),
                })
                .collect();
            out.pool = Some(pool);
            out.seed = Some(seed);
            out.draw_count = Some(n);
        }
    }
    v.into_result()?;
    Ok(out)
}

fn event_of(
    section_id: &str,
    project_id: &str,
    procedure: Procedure,
    p: &Plan,
    source: &str,
) -> NontenderSuppliersInvited {
    NontenderSuppliersInvited {
        section_id: section_id.to_string(),
        project_id: project_id.to_string(),
        procedure: procedure.as_str().to_string(),
        method: p.method.as_str().to_string(),
        invitees: p
            .invitees
            .iter()
            .map(|i| NontenderInvitee {
                uscc: i.uscc.clone(),
                name: i.name.clone(),
                source: i.source.clone(),
                recommender: i.recommender.clone(),
                draw_key: i.draw_key.clone(),
            })
            .collect(),
        pool: p.pool.clone(),
        pool_suppliers: p.pool_suppliers.clone(),
        seed: p.seed.clone(),
        rule: p.seed.as_ref().map(|_| DRAW_RULE.to_string()),
        basis: source.to_string(),
    }
}

/// How a draw derives from its seed, as the records state it.
pub const DRAW_RULE: &str = "each pool supplier's key is the SHA-256 (hex) of \"<seed>:<uscc>\"; the draw_count lowest keys are drawn";

/// The project's tenderer or agency, or staff, declares how the section's suppliers are invited,
/// before bidding opens. A recommendation or announcement may be declared again (it replaces
/// the earlier one); a draw is final.
pub async fn declare(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: InvitationInput,
) -> Result<SupplierInvitation> {
    actor.require(MANAGERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let s = section_info(&mut tx, section_id, ctx.db.for_update()).await?;
    may_manage(actor, &s)?;
    let Some(source) = invitation_source(s.procedure) else {
        return Err(Error::conflict(
            "nontender.invitation_not_applicable",
            format!(
                "the invitation by announcement, draw or recommendation belongs to negotiation, \
                 inquiry and consultation; this section's procedure is {}",
                s.procedure.as_str()
            ),
        ));
    };
    s.before_bidding("nontender.invitation_too_late", "the suppliers are invited")?;
    let earlier = crate::store::nontender::invitation_method(&mut tx, section_id).await?;
    if earlier.as_deref() == Some(InvitationMethod::Draw.as_str()) {
        return Err(Error::conflict(
            "nontender.invitation_drawn",
            "the suppliers were drawn: a draw is final and is not drawn again",
        ));
    }
    let mut barred: HashSet<String> =
        crate::store::nontender::interested_usccs(&mut tx, section_id)
            .await?
            .into_iter()
            .map(|u: String| u.to_uppercase())
            .collect();
    barred.insert(s.tenderer_uscc.to_uppercase());
    let p = plan(&input, source, ggzy_core::ids::random_hex(32), &barred)?;
    crate::store::nontender::delete_invitation(&mut tx, section_id).await?;
    let pool_json = (p.method == InvitationMethod::Draw)
        .then(|| serde_json::to_string(&p.pool_suppliers))
        .transpose()
        .map_err(|e| Error::internal(e.to_string()))?;
    crate::store::nontender::insert_invitation(
        &mut tx,
        crate::store::nontender::NewInvitation {
            section_id,
            method: p.method.as_str(),
            pool: p.pool.as_deref(),
            pool_suppliers: pool_json,
            seed: p.seed.as_deref(),
            draw_count: p.draw_count,
            declared_by: &actor.user_id,
            declared_at: now,
        },
    )
    .await?;
    for i in &p.invitees {
        crate::store::nontender::insert_invitee(
            &mut tx,
            crate::store::nontender::NewInvitee {
                section_id,
                uscc: &i.uscc,
                name: &i.name,
                source: &i.source,
                recommender: i.recommender.as_deref(),
                draw_key: i.draw_key.as_deref(),
                invited_at: now,
            },
        )
        .await?;
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        event_of(section_id, &s.project_id, s.procedure, &p, source).encode(),
    )
    .await?;
    let out = answer(section_id, p, source);
    ctx.db.commit_answering(tx, 200, &out, now).await?;
    Ok(out)
}

fn answer(section_id: &str, p: Plan, source: &str) -> SupplierInvitation {
    SupplierInvitation {
        section_id: section_id.to_string(),
        method: p.method,
        restricted: p.method.restricts(),
        invitees: p.invitees,
        pool: p.pool,
        pool_suppliers: p.pool_suppliers,
        rule: p.seed.as_ref().map(|_| DRAW_RULE.to_string()),
        seed: p.seed,
        draw_count: p.draw_count,
        min_invitees: MIN_INVITEES as i64,
        source: source.to_string(),
    }
}

/// The section's invitation (announcement when none was declared).
pub async fn get(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<SupplierInvitation> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let s = section_info(&mut conn, section_id, "").await?;
    may_read(actor, &s)?;
    let Some(source) = invitation_source(s.procedure) else {
        return Err(Error::conflict(
            "nontender.invitation_not_applicable",
            format!(
                "section's procedure {} has no invitation of suppliers",
                s.procedure.as_str()
            ),
        ));
    };
    let row = crate::store::nontender::invitation(&mut conn, section_id).await?;
    let invitees = crate::store::nontender::invitees(&mut conn, section_id).await?;
    let method = match &row {
        Some(r) => InvitationMethod::parse(&r.method)
            .ok_or_else(|| Error::internal(format!("stored invitation method '{}'", r.method)))?,
        None => InvitationMethod::Announcement,
    };
    let pool_suppliers = match row.as_ref().and_then(|r| r.pool_suppliers.as_deref()) {
        Some(j) => serde_json::from_str(j).map_err(|e| Error::internal(e.to_string()))?,
        None => Vec::new(),
    };
    let p = Plan {
        method,
        invitees: invitees
            .into_iter()
            .map(|r| InvitedSupplier {
                uscc: r.uscc,
                name: r.name,
                source: r.source,
                recommender: r.recommender,
                draw_key: r.draw_key,
            })
            .collect(),
        pool: row.as_ref().and_then(|r| r.pool.clone()),
        pool_suppliers,
        seed: row.as_ref().and_then(|r| r.seed.clone()),
        draw_count: row.as_ref().and_then(|r| r.draw_count),
    };
    Ok(answer(section_id, p, source))
}

/// Registration's check: with a draw or recommendations only the invited suppliers register
/// (409 `registration.not_invited`, as an invited tender's).
pub(crate) async fn registration_bar(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    uscc: &str,
) -> Result<()> {
    let method = crate::store::nontender::invitation_method(conn, section_id).await?;
    let Some(method) = method.as_deref().and_then(InvitationMethod::parse) else {
        return Ok(());
    };
    if !method.restricts() {
        return Ok(());
    }
    let invited = crate::store::nontender::is_invitee(conn, section_id, uscc).await?;
    if !invited {
        return Err(Error::conflict(
            "registration.not_invited",
            format!(
                "the suppliers of this section were invited by {} (财政部令第74号 第十二条; 财库〔2014〕\
                 214号 第六条): only the invited suppliers may register",
                if method == InvitationMethod::Draw {
                    "a random draw from the supplier database (随机抽取)"
                } else {
                    "written recommendation (书面推荐)"
                }
            ),
        ));
    }
    Ok(())
}
