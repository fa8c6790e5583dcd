//! On-site personnel: the roster of a booking.

use super::*;
use ggzy_events::Contract as _;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPerson {
    pub role: PersonRole,
    pub name: String,
    #[schema(pattern = "^[0-9]{17}[0-9X]$", max_length = 18)]
    pub resident_id: String,
    /// Authorization letter (授权委托书) reference; required for bidder representatives.
    pub authorization_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub booking_id: String,
    pub role: PersonRole,
    pub name: String,
    /// Masked for experts unless the caller is staff; absent for a drawn expert whose identity
    /// card staff have not checked yet (not yet admitted by the door).
    pub resident_id: Option<String>,
    pub authorization_ref: Option<String>,
    /// Expert-pool id of a drawn expert (staff only).
    pub expert_id: Option<String>,
}

pub(crate) fn with_field(field: &str, mut e: FieldError) -> Error {
    e.field = field.into();
    Error::Validation(vec![e])
}

#[tracing::instrument(skip_all, fields(booking_id = %booking_id))]
pub async fn add_person(
    ctx: &Ctx,
    actor: &Actor,
    booking_id: &str,
    p: NewPerson,
) -> Result<Person> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let (b, org) = load_booking(ctx.db.pool(), booking_id).await?;
    may_manage(actor, &org)?;
    if b.status == "cancelled" {
        return Err(Error::conflict(
            "roster.booking_cancelled",
            "the booking is cancelled",
        ));
    }
    let rid = ResidentId::parse(&p.resident_id).map_err(|e| with_field("resident_id", e))?;
    let name = p.name.trim().to_string();
    if name.is_empty() {
        return Err(Error::field("name", "required", "a name is required"));
    }
    let auth = p
        .authorization_ref
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if p.role == PersonRole::BidderRep && auth.is_none() {
        return Err(Error::field(
            "authorization_ref",
            "roster.authorization_required",
            "a bidder's representative needs an authorization letter (授权委托书)",
        ));
    }
    let id = ids::new_id();
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    crate::store::sessions::insert_roster_person(
        &mut tx,
        crate::store::sessions::RosterPerson {
            id: &id,
            booking_id,
            role: p.role,
            name: &name,
            resident_id: rid.as_str(),
            authorization_ref: auth.clone(),
            created_at: to_micros(now),
        },
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("roster.duplicate", "this person is already on the roster")
        }
        e => e,
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::venues::RosterAdded {
            booking_id: booking_id.into(),
            person_id: id.clone(),
            role: p.role.as_str().into(),
            name: name.clone(),
            resident_id: rid.masked(),
        }
        .encode(),
    )
    .await?;
    let person = Person {
        id,
        booking_id: booking_id.into(),
        role: p.role,
        name,
        resident_id: Some(rid.to_string()),
        authorization_ref: auth,
        expert_id: None,
    };
    ctx.db.commit_answering(tx, 201, &person, now).await?;
    Ok(person)
}

/// An expert's name as the caller may see it (staff only see who the experts are).
pub(crate) fn shown_name(actor: &Actor, role: PersonRole, name: &str) -> String {
    if role == PersonRole::Expert && !actor.is(Role::Staff) {
        rules::MASKED_EXPERT_NAME.into()
    } else {
        name.into()
    }
}

pub(crate) fn shown_id(actor: &Actor, role: PersonRole, rid: &str) -> String {
    if role == PersonRole::Expert && !actor.is(Role::Staff) {
        ResidentId::parse(rid)
            .map(|r| r.masked())
            .unwrap_or_else(|_| "******".into())
    } else {
        rid.into()
    }
}

/// One person of a session's roster: a `venue_roster` row, or (`pending`) a drawn expert whose
/// identity card is not checked yet (on the roster, not yet through the door).
pub async fn roster(ctx: &Ctx, actor: &Actor, booking_id: &str) -> Result<Vec<Person>> {
    actor.require(&[Role::Staff, Role::Agency, Role::Supervisor])?;
    let (_, org) = load_booking(ctx.db.pool(), booking_id).await?;
    if actor.is(Role::Agency) {
        may_manage(actor, &org)?;
    }
    // One statement, so one snapshot: read as two queries, a replacement committed between them
    // showed the replaced expert (still in the first read) next to his replacement (PostgreSQL,
    // READ COMMITTED).
    let rows = crate::store::sessions::roster(&ctx.db, booking_id).await?;
    let staff = actor.is(Role::Staff);
    Ok(rows
        .into_iter()
        .map(|r| Person {
            id: if r.pending {
                format!("expert:{}", r.id)
            } else {
                r.id
            },
            booking_id: booking_id.into(),
            role: r.role,
            name: shown_name(actor, r.role, &r.name),
            resident_id: r.resident_id.map(|rid| shown_id(actor, r.role, &rid)),
            authorization_ref: r.authorization_ref,
            expert_id: r.expert_id.filter(|_| staff),
        })
        .collect())
}
