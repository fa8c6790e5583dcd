//! Ratings of the experts who served and automatic suspension.

use super::*;
use ggzy_events::experts::ExpertSuspended;
use ggzy_store::emit_when_changed;

/// Suspend `expert` now if the rule says so (and it is active); emits `experts.expert.suspended`.
pub(super) async fn maybe_suspend(
    tx: &mut Tx,
    db: &Db,
    now: Timestamp,
    by: &ActorRef,
    expert: &str,
) -> Result<Option<rules::SuspendReason>> {
    let rules = SuspensionRules::default();
    let since = now - chrono::Duration::days(rules.window_days);
    let ratings: Vec<(i64, Timestamp)> = store::pool::ratings_since(tx, expert, since)
        .await?
        .into_iter()
        .map(|r| (r.score, r.created_at))
        .collect();
    let violations = store::pool::violations_since(tx, expert, since).await?;
    let Some(why) = rules.check(now, &ratings, &violations) else {
        return Ok(None);
    };
    let until = now + chrono::Duration::days(rules.suspend_days);
    let q = store::pool::suspend_active(expert, why.text(), now, until);
    emit_when_changed(tx, db, by, now, q, || {
        ExpertSuspended {
            expert_id: expert.to_string(),
            reason: why.rule(),
            text: why.text(),
            from: now,
            until,
            automatic: true,
        }
        .encode()
    })
    .await?;
    Ok(Some(why))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewRating {
    pub expert_id: String,
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    pub id: String,
    pub draw_id: String,
    pub expert_id: String,
    pub rater_role: String,
    pub score: i64,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    /// Set when this rating made the expert reach the automatic suspension rule.
    pub suspended: Option<rules::SuspendReason>,
}

fn already_rated() -> Error {
    Error::conflict(
        "rating.duplicate",
        "you already rated this expert for this evaluation",
    )
}

/// After the evaluation (the session has ended) the section's tenderer and the supervisors rate
/// each expert who served (confirmed).
#[tracing::instrument(skip_all)]
pub async fn rate(ctx: &Ctx, actor: &Actor, draw_id: &str, input: NewRating) -> Result<Rating> {
    actor.require(&[Role::Tenderer, Role::Supervisor])?;
    let score = rules::check_score(input.score).map_err(|e| Error::Validation(vec![e]))?;
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > 1000 {
        return Err(Error::field(
            "comment",
            "rating.comment",
            "at most 1000 characters",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let d = service::load_draw_in(&mut tx, draw_id).await?;
    if actor.role == Role::Tenderer {
        let org =
            store::copies::org_uscc(&mut tx, &actor.org_id.clone().unwrap_or_default()).await?;
        let own = org.is_some_and(|uscc| uscc == d.request.tenderer_uscc);
        if !own {
            return Err(Error::not_found("draw"));
        }
    }
    if d.status != DrawStatus::Active || now < d.request.session_end {
        return Err(Error::conflict(
            "rating.too_early",
            "experts are rated after the evaluation session has ended",
        ));
    }
    let rows = member_rows(&mut tx, draw_id).await?;
    if rows.get(&input.expert_id).map(|m| m.status) != Some(MemberStatus::Confirmed) {
        return Err(Error::field(
            "expert_id",
            "rating.not_a_member",
            "only experts who served on this committee can be rated",
        ));
    }
    let id = ids::new_id();
    store::pool::insert_rating(
        &mut tx,
        store::pool::NewRating {
            id: &id,
            draw_id,
            expert_id: &input.expert_id,
            rater_user_id: &actor.user_id,
            rater_role: actor.role.as_str(),
            score,
            comment: &comment,
            at: now,
        },
    )
    .await
    .on_unique(&RATINGS_ONCE, already_rated)?;
    let by = actor.actor_ref();
    emit(
        &mut tx,
        &ctx.db,
        &by,
        now,
        ggzy_events::Contract::encode(&ggzy_events::experts::ExpertRated {
            rating_id: id.to_string(),
            draw_id: draw_id.to_string(),
            section_id: d.section_id.to_string(),
            expert_id: input.expert_id.clone(),
            rater_role: actor.role.as_str().to_string(),
            score,
        }),
    )
    .await?;
    let suspended = maybe_suspend(&mut tx, &ctx.db, now, &by, &input.expert_id).await?;
    let rating = Rating {
        id,
        draw_id: draw_id.to_string(),
        expert_id: input.expert_id,
        rater_role: actor.role.as_str().to_string(),
        score,
        comment,
        created_at: now,
        suspended,
    };
    ctx.db.commit_answering(tx, 201, &rating, now).await?;
    Ok(rating)
}
