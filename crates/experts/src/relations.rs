//! Issue 21: the procurement pool flag, person-level avoidance relations and the sections' terms.
//!
//! - The procurement pool (政府采购评审专家库): a procurement draw takes only experts with the flag
//!   (政采条例 39; 财库〔2016〕198号 政府采购评审专家管理办法). Staff and admins set it.
//! - Relations (回避关系) with organizations, kept per person with their period and source: past or
//!   present employment, directorship or control (within the past 3 years, 政采条例 9), kinship with
//!   an organization's principal (政采条例 9; 评标规定 12) and staff of the competent or supervising
//!   department (评标规定 12; 实施条例 46). An expert declares them; staff record them too. They are
//!   never deleted: a relation ends by its last day.
//! - The section's market, procedure and budget as `projects.section.registered` announced them, so
//!   that the committee size (87号令 47) and the panel rule (政采法 38, 40) follow from the section.

use crate::draw::{PersonRelation, RelationKind};
use crate::store::copies;
use crate::store::pool::{self, NewRelationRow, RelationRow};
use chrono::NaiveDate;
use ggzy_core::ident::Uscc;
use ggzy_core::{ids, Error, FieldError, Money, Result};
use ggzy_events::experts::{ExpertPoolChanged, RelationRecorded};
use ggzy_events::Contract;
use ggzy_identity::{Actor, Role};
use ggzy_store::{emit, Ctx, Tx};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

const STAFF: &[Role] = &[Role::Staff, Role::Admin];
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Supervisor];

/// A relation as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Relation {
    pub id: String,
    pub expert_id: String,
    pub kind: RelationKind,
    pub org_uscc: Option<String>,
    pub org_name: String,
    pub person_name: Option<String>,
    pub detail: Option<String>,
    pub market: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub source: String,
    /// `expert` (declared by the expert) or `staff`.
    pub recorded_by_role: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl Relation {
    pub fn screening(&self) -> PersonRelation {
        PersonRelation {
            kind: self.kind,
            org_uscc: self.org_uscc.clone(),
            market: self.market.clone(),
            since: self.since,
            until: self.until,
        }
    }
}

/// A relation as an expert declares it or staff record it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = NewExpertRelation)]
pub struct NewRelation {
    /// `employment`, `directorship`, `control`, `kinship` or `supervising_department`.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^(employment|directorship|control|kinship|supervising_department)$"
    )]
    pub kind: String,
    /// The organization's unified social credit code (required except for a supervising department).
    #[serde(default)]
    #[schema(
        max_length = 18,
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    )]
    pub org_uscc: Option<String>,
    /// Required (checked with the rest: 422 `required`).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub org_name: String,
    /// Kinship: the organization's principal (法定代表人或者负责人) the expert is related to.
    #[serde(default)]
    pub person_name: Option<String>,
    /// Kinship: how (spouse, parent, sibling …).
    #[serde(default)]
    pub detail: Option<String>,
    /// Supervising department: the market it supervises (`construction`, `procurement`, `land`,
    /// `property`); absent = every market.
    #[serde(default)]
    #[schema(pattern = "^(construction|procurement|land|property)$")]
    pub market: Option<String>,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    /// Last day of the relation; absent = ongoing.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// Where the relation is documented (e.g. 社保缴纳记录, 企业信用信息公示系统). Required.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 500, pattern = "\\S")]
    pub source: String,
}

fn check(r: &NewRelation) -> std::result::Result<NewRelationChecked, Vec<FieldError>> {
    let mut errs = Vec::new();
    let kind = RelationKind::parse(&r.kind).map_err(|e| errs.push(e)).ok();
    let org_uscc = match r.org_uscc.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() => match Uscc::parse(u) {
            Ok(u) => Some(u.as_str().to_string()),
            Err(mut e) => {
                e.field = "org_uscc".into();
                errs.push(e);
                None
            }
        },
        _ => {
            if kind.is_some_and(|k| k != RelationKind::SupervisingDepartment) {
                errs.push(FieldError::new(
                    "org_uscc",
                    "relation.org_required",
                    "the organization's unified social credit code is required for this kind",
                ));
            }
            None
        }
    };
    let org_name = r.org_name.trim().to_string();
    if org_name.is_empty() || org_name.chars().count() > 200 {
        errs.push(FieldError::new(
            "org_name",
            "required",
            "the organization's name is required (at most 200 characters)",
        ));
    }
    let person_name = r
        .person_name
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if kind == Some(RelationKind::Kinship) && person_name.is_none() {
        errs.push(FieldError::new(
            "person_name",
            "relation.person_required",
            "kinship names the organization's principal the expert is related to (政采条例 9)",
        ));
    }
    let market = r
        .market
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    if let Some(m) = &market {
        if ggzy_core::ident::Market::parse(m).is_err() {
            errs.push(FieldError::new(
                "market",
                "relation.market",
                "market must be construction, procurement, land or property",
            ));
        }
    }
    if let (Some(s), Some(u)) = (r.since, r.until) {
        if u < s {
            errs.push(FieldError::new(
                "until",
                "period.order",
                "a relation cannot end before it begins",
            ));
        }
    }
    let source = r.source.trim().to_string();
    if source.is_empty() || source.chars().count() > 500 {
        errs.push(FieldError::new(
            "source",
            "relation.source_required",
            "say where the relation is documented (at most 500 characters)",
        ));
    }
    match kind {
        Some(kind) if errs.is_empty() => Ok(NewRelationChecked {
            kind,
            org_uscc,
            org_name,
            person_name,
            detail: r
                .detail
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            market,
            since: r.since,
            until: r.until,
            source,
        }),
        _ => Err(errs),
    }
}

struct NewRelationChecked {
    kind: RelationKind,
    org_uscc: Option<String>,
    org_name: String,
    person_name: Option<String>,
    detail: Option<String>,
    market: Option<String>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    source: String,
}

impl From<RelationRow> for Relation {
    fn from(r: RelationRow) -> Relation {
        Relation {
            id: r.id,
            expert_id: r.expert_id,
            kind: r.kind,
            org_uscc: r.org_uscc,
            org_name: r.org_name,
            person_name: r.person_name,
            detail: r.detail,
            market: r.market,
            since: r.since_date,
            until: r.until_date,
            source: r.source,
            recorded_by_role: r.recorded_by_role,
            recorded_at: r.recorded_at,
        }
    }
}

/// Every relation of the pool by expert, in the order recorded.
pub(crate) async fn all(conn: &mut sqlx::AnyConnection) -> Result<HashMap<String, Vec<Relation>>> {
    let mut out: HashMap<String, Vec<Relation>> = HashMap::new();
    for r in pool::relations(conn).await? {
        let rel = Relation::from(r);
        out.entry(rel.expert_id.clone()).or_default().push(rel);
    }
    Ok(out)
}

async fn insert(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    expert_id: &str,
    role: &str,
    c: &NewRelationChecked,
) -> Result<Relation> {
    if pool::expert_id(tx, expert_id).await?.is_none() {
        return Err(Error::not_found("expert"));
    }
    let id = ids::new_id();
    let now = ctx.clock.now();
    pool::insert_relation(
        tx,
        NewRelationRow {
            id: &id,
            expert_id,
            kind: c.kind,
            org_uscc: c.org_uscc.clone(),
            org_name: &c.org_name,
            person_name: c.person_name.clone(),
            detail: c.detail.clone(),
            market: c.market.clone(),
            since: c.since,
            until: c.until,
            source: &c.source,
            recorded_by_role: role,
            recorded_at: now,
            recorded_by: &actor.user_id,
        },
    )
    .await?;
    // The relation names organizations and, for kinship, a person: the event carries the kind, the
    // organization's code and the period, not the principal's name.
    emit(
        tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        RelationRecorded {
            expert_id: expert_id.to_string(),
            relation_id: id.clone(),
            kind: c.kind.as_str().to_string(),
            org_uscc: c.org_uscc.clone(),
            market: c.market.clone(),
            since: c.since,
            until: c.until,
            recorded_by_role: role.to_string(),
        }
        .encode(),
    )
    .await?;
    Ok(pool::relation(tx, &id).await?.into())
}

/// Staff record a relation of an expert.
#[tracing::instrument(skip_all)]
pub async fn record(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: NewRelation,
) -> Result<Relation> {
    actor.require(STAFF)?;
    let c = check(&input).map_err(Error::Validation)?;
    let mut tx = ctx.db.begin().await?;
    let rel = insert(ctx, &mut tx, actor, expert_id, "staff", &c).await?;
    ctx.db
        .commit_answering(tx, 201, &rel, ctx.clock.now())
        .await?;
    Ok(rel)
}

/// The logged-in expert declares a relation of their own.
#[tracing::instrument(skip_all)]
pub async fn declare(ctx: &Ctx, actor: &Actor, input: NewRelation) -> Result<Relation> {
    actor.require(&[Role::Expert])?;
    let c = check(&input).map_err(Error::Validation)?;
    let mut tx = ctx.db.begin().await?;
    let expert_id = crate::committee::expert_of(&mut tx, actor).await?;
    let rel = insert(ctx, &mut tx, actor, &expert_id, "expert", &c).await?;
    ctx.db
        .commit_answering(tx, 201, &rel, ctx.clock.now())
        .await?;
    Ok(rel)
}

/// An expert's relations (staff, admins, supervisors).
pub async fn list(ctx: &Ctx, actor: &Actor, expert_id: &str) -> Result<Vec<Relation>> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    if pool::expert_id(&mut conn, expert_id).await?.is_none() {
        return Err(Error::not_found("expert"));
    }
    Ok(pool::relations_of(&mut conn, expert_id)
        .await?
        .into_iter()
        .map(Relation::from)
        .collect())
}

/// Put an expert in or out of the procurement pool.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PoolMembership {
    pub procurement_pool: bool,
}

/// Staff set the procurement pool flag of an expert (政采条例 39); the change is an event.
#[tracing::instrument(skip_all)]
pub async fn set_pool(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: PoolMembership,
) -> Result<crate::service::Expert> {
    actor.require(STAFF)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = pool::set_procurement_pool(&mut tx, expert_id, input.procurement_pool, now).await?;
    if n == 0 {
        return Err(Error::not_found("expert"));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ExpertPoolChanged {
            expert_id: expert_id.to_string(),
            procurement_pool: input.procurement_pool,
        }
        .encode(),
    )
    .await?;
    let answer = crate::service::get_in(&mut tx, actor, expert_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

/// What the experts area knows of a section's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionTerms {
    pub market: String,
    pub procedure: String,
    pub budget: Option<Money>,
}

/// The terms of a section (`None` when the projects area has not announced it).
pub(crate) async fn terms(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<SectionTerms>> {
    let Some(r) = copies::terms(conn, section_id.trim()).await? else {
        return Ok(None);
    };
    let budget = r
        .budget
        .map(|b| Money::parse_str(&b).map_err(|e| Error::internal(e.message)))
        .transpose()?;
    Ok(Some(SectionTerms {
        market: r.market,
        procedure: r.procedure,
        budget,
    }))
}

/// The registered bidders of a section as `projects.registration.created` announced them.
pub(crate) async fn section_bidders(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<String>> {
    copies::section_bidders(conn, section_id.trim()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str) -> NewRelation {
        NewRelation {
            kind: kind.into(),
            org_uscc: Some("91210200000000003X".into()),
            org_name: "某公司".into(),
            person_name: None,
            detail: None,
            market: None,
            since: None,
            until: None,
            source: "社保缴纳记录".into(),
        }
    }

    #[test]
    fn a_relation_needs_its_organization_source_and_for_kinship_the_principal() {
        let mut r = input("kinship");
        r.org_uscc = None;
        r.source = " ".into();
        let errs = check(&r).err().unwrap();
        let rules: Vec<&str> = errs.iter().map(|e| e.rule.as_str()).collect();
        assert!(rules.contains(&"relation.org_required"), "{rules:?}");
        assert!(rules.contains(&"relation.person_required"), "{rules:?}");
        assert!(rules.contains(&"relation.source_required"), "{rules:?}");
        let mut d = input("supervising_department");
        d.org_uscc = None;
        d.market = Some("procurement".into());
        assert!(check(&d).is_ok());
        d.market = Some("fish".into());
        assert_eq!(check(&d).err().unwrap()[0].rule, "relation.market");
        assert_eq!(
            check(&input("friendship")).err().unwrap()[0].rule,
            "relation.kind"
        );
    }
}
