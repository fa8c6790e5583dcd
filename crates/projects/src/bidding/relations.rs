//! Controlling relations (控股/管理关系) declared by an organization and verified by staff.

use super::*;

// Controlling relations (控股/管理关系).

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRelation {
    /// USCC of the other organization.
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub related_uscc: String,
    /// `control` (控股) or `management` (管理).
    #[schema(pattern = "^(control|management)$")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRelation {
    pub id: String,
    pub org_id: String,
    pub related_uscc: String,
    pub kind: String,
    /// `declared` (by the organization itself, not yet counted) or `verified` (by staff: counts for
    /// the joint-bidding bar at the deadline).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub(super) use registrations::RelationRow;

pub(super) fn relation_row(r: RelationRow) -> OrgRelation {
    OrgRelation {
        id: r.id,
        org_id: r.org_id,
        related_uscc: r.related_uscc,
        kind: r.kind,
        status: r.status,
        created_at: r.created_at,
    }
}

pub(super) fn may_manage_relations(actor: &Actor, org_id: &str) -> Result<()> {
    actor.require(&[Role::Bidder, Role::Staff])?;
    if actor.role == Role::Bidder && actor.org_id.as_deref() != Some(org_id) {
        return Err(Error::forbidden(
            "a bidder declares, reads and removes relations of its own organization only",
        ));
    }
    Ok(())
}

/// The relations an organization declared (the organization's bidders, staff).
pub async fn list_relations(ctx: &Ctx, actor: &Actor, org_id: &str) -> Result<Vec<OrgRelation>> {
    may_manage_relations(actor, org_id)?;
    let rows = registrations::relations_of(&ctx.db, org_id).await?;
    Ok(rows.into_iter().map(relation_row).collect())
}

pub(super) async fn load_relation(
    tx: &mut Tx,
    db: &Db,
    org_id: &str,
    relation_id: &str,
) -> Result<OrgRelation> {
    let r = registrations::relation_for_update(tx, db, org_id, relation_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("relation {relation_id}")))?;
    Ok(relation_row(r))
}

/// Staff verified a declared relation (a staff step): from now on it counts for the joint-bidding
/// bar at the deadline of every section both organizations bid for.
pub async fn verify_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    relation_id: &str,
) -> Result<OrgRelation> {
    actor.require(&[Role::Staff])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let mut rel = load_relation(&mut tx, &ctx.db, org_id, relation_id).await?;
    if rel.status == "verified" {
        return Err(Error::conflict(
            "relation.already_verified",
            "this relation is already verified",
        ));
    }
    registrations::verify_relation(&mut tx, relation_id, &actor.user_id, now).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        OrgRelationVerified {
            id: relation_id.to_string(),
            org_id: org_id.to_string(),
            related_uscc: rel.related_uscc.clone(),
            kind: rel.kind.clone(),
        }
        .encode(),
    )
    .await?;
    rel.status = "verified".into();
    ctx.db.commit_answering(tx, 200, &rel, now).await?;
    Ok(rel)
}

/// Remove a relation (the declaring organization's bidder, or staff). Sections whose deadline has
/// passed were decided with the relations in force then.
pub async fn remove_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    relation_id: &str,
) -> Result<()> {
    may_manage_relations(actor, org_id)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let rel = load_relation(&mut tx, &ctx.db, org_id, relation_id).await?;
    registrations::delete_relation(&mut tx, relation_id).await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        OrgRelationRemoved {
            id: relation_id.to_string(),
            org_id: org_id.to_string(),
            related_uscc: rel.related_uscc.clone(),
            kind: rel.kind.clone(),
            status: rel.status.clone(),
        }
        .encode(),
    )
    .await?;
    ggzy_store::idempotency::answer_in_tx(&mut tx, 204, "", now).await?;
    ctx.db.commit(tx).await?;
    Ok(())
}

/// Declare a relation of `org_id` with another unit (bidder for its own organization, staff any).
#[tracing::instrument(skip_all, fields(org_id = %org_id))]
pub async fn declare_relation(
    ctx: &Ctx,
    actor: &Actor,
    org_id: &str,
    input: NewRelation,
) -> Result<OrgRelation> {
    may_manage_relations(actor, org_id)?;
    let mut v = Violations::new();
    let uscc = v.take("related_uscc", Uscc::parse(&input.related_uscc));
    if !matches!(input.kind.as_str(), "control" | "management") {
        v.push(
            "kind",
            "enum.unknown_value",
            "kind must be one of control, management",
        );
    }
    v.into_result()?;
    let uscc = uscc.ok_or_else(|| Error::internal("uscc checked"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let org = load_org(&mut tx, org_id)
        .await?
        .ok_or_else(|| unknown_org(org_id))?;
    if org.uscc == uscc.as_str() {
        return Err(Error::field(
            "related_uscc",
            "relation.self",
            "an organization cannot declare a relation with itself",
        ));
    }
    let id = ids::new_id();
    // Declared by the organization itself it waits for staff; declared by staff it is verified.
    let status = if actor.role == Role::Staff {
        "verified"
    } else {
        "declared"
    };
    registrations::insert_relation(
        &mut tx,
        &registrations::NewRelation {
            id: &id,
            org_id,
            related_uscc: uscc.as_str(),
            kind: &input.kind,
            declared_by: &actor.user_id,
            at: now,
            status,
            reviewed_by: (status == "verified").then_some(actor.user_id.as_str()),
        },
    )
    .await
    .on_unique(&RELATION_PAIR, || {
        Error::conflict("relation.duplicate", "this relation is already declared")
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        OrgRelationDeclared {
            id: id.clone(),
            org_id: org_id.to_string(),
            uscc: org.uscc.clone(),
            related_uscc: uscc.as_str().to_string(),
            kind: input.kind.clone(),
            status: status.to_string(),
        }
        .encode(),
    )
    .await?;
    let rel = OrgRelation {
        id,
        org_id: org_id.to_string(),
        related_uscc: uscc.to_string(),
        kind: input.kind,
        status: status.into(),
        created_at: now,
    };
    ctx.db.commit_answering(tx, 201, &rel, now).await?;
    Ok(rel)
}

// ---------------------------------------------------------------------------------------------
