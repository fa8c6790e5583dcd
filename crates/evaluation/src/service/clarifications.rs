//! Clarifications (澄清).

use super::*;
use crate::store::committee;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ClarificationInput {
    pub org_id: String,
    pub question: String,
    /// The bidder answers by then (must be later than now).
    pub reply_by: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Clarification {
    pub id: String,
    pub section_id: String,
    pub org_id: String,
    pub question: String,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub reply_by: DateTime<Utc>,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::MaybeAt")]
    pub answered_at: Option<DateTime<Utc>>,
}

pub(crate) async fn load_clarifications(
    tx: &mut Tx,
    section_id: &str,
    org_id: Option<&str>,
) -> Result<Vec<Clarification>> {
    let rows = committee::clarifications(tx, section_id).await?;
    let mut out = vec![];
    for c in rows {
        if org_id.is_none_or(|o| o == c.org_id) {
            out.push(c);
        }
    }
    Ok(out)
}

/// A member asks a bidder with an opened bid to clarify (评标规定 第十九条: clarification in
/// writing, it may not go beyond the bid or change its substance).
pub async fn ask(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: ClarificationInput,
) -> Result<Clarification> {
    actor.require(&[Role::Expert])?;
    let (mut tx, sec, me) = member_tx(ctx, actor, section_id).await?;
    let (_, bids) = ready_for_committee(&sec)?;
    let now = ctx.clock.now();
    let mut v = ggzy_core::error::Violations::new();
    if !bids.iter().any(|b| b.org_id == input.org_id) {
        v.push(
            "org_id",
            "clarification.unknown_bid",
            "not an opened bid of this section",
        );
    }
    let question = input.question.trim().to_string();
    if question.is_empty() || question.chars().count() > 2000 {
        v.push(
            "question",
            "clarification.question_length",
            "question: 1–2000 characters",
        );
    }
    if input.reply_by <= now {
        v.push(
            "reply_by",
            "clarification.reply_by_future",
            "the reply deadline must be later than now",
        );
    }
    v.into_result()?;
    let c = Clarification {
        id: ggzy_core::ids::new_id(),
        section_id: section_id.to_string(),
        org_id: input.org_id,
        question,
        reply_by: input.reply_by,
        asked_at: now,
        answer: None,
        answered_at: None,
    };
    committee::insert_clarification(&mut tx, &c, &me.expert_id).await?;
    let requested = ClarificationRequested {
        clarification_id: c.id.clone(),
        section_id: section_id.into(),
        org_id: c.org_id.clone(),
        reply_by: c.reply_by,
    };
    section_event(&mut tx, ctx, &actor.actor_ref(), now, &requested).await?;
    ctx.db.commit_answering(tx, 201, &c, now).await?;
    Ok(c)
}

/// Clarifications of a section: the committee and staff see all, a bidder those addressed to it.
pub async fn clarifications(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
) -> Result<Vec<Clarification>> {
    actor.require(&[
        Role::Expert,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
        Role::Bidder,
    ])?;
    let mut tx = ctx.db.begin().await?;
    let out = if actor.role == Role::Bidder {
        let org = actor.org_id.clone().unwrap_or_default();
        load_clarifications(&mut tx, section_id, Some(&org)).await?
    } else {
        require_reader(&mut tx, actor, section_id).await?;
        load_clarifications(&mut tx, section_id, None).await?
    };
    tx.rollback().await?;
    Ok(out)
}

/// The bidder's answer: text only, by the reply deadline (inclusive). A price (or any field but
/// `answer`) is refused — a clarification may not change the price or the substance of the bid
/// (评标规定 第十九条; 招标投标法 第三十九条).
pub async fn answer(
    ctx: &Ctx,
    actor: &Actor,
    clarification_id: &str,
    input: Value,
) -> Result<Clarification> {
    actor.require(&[Role::Bidder])?;
    let mut v = ggzy_core::error::Violations::new();
    let obj = input.as_object().cloned().unwrap_or_default();
    for k in obj.keys() {
        if k != "answer" {
            v.push(
                k.clone(),
                if k.contains("price") { "clarification.price_forbidden" } else { "clarification.answer_only" },
                "a clarification answers the question only; it may not change the price or the substance of the bid (评标规定 第十九条)",
            );
        }
    }
    let text = obj
        .get("answer")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if text.is_empty() || text.chars().count() > 5000 {
        v.push(
            "answer",
            "clarification.answer_length",
            "answer: 1–5000 characters",
        );
    }
    let mut tx = ctx.db.begin().await?;
    let r = committee::clarification_for_update(&mut tx, &ctx.db, clarification_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("clarification {clarification_id}")))?;
    let committee::AskedRow {
        section_id,
        org_id,
        reply_by,
        answer,
    } = r;
    if actor.org_id.as_deref() != Some(org_id.as_str()) {
        return Err(Error::forbidden(
            "only the bidder asked answers this clarification",
        ));
    }
    // Whom it asked comes before what the body says: another bidder learns nothing from a
    // validation answer (cross-organization walk, tests/api/authz_cross.rs).
    v.into_result()?;
    if answer.is_some() {
        return Err(Error::conflict(
            "clarification.answered",
            "the clarification is already answered",
        ));
    }
    let now = ctx.clock.now();
    if now > reply_by {
        return Err(Error::conflict(
            "clarification.deadline_passed",
            format!("the reply was due by {}", reply_by.to_rfc3339()),
        ));
    }
    let n = committee::record_answer(&mut tx, clarification_id, text, to_micros(now)).await?;
    ggzy_store::expect_one(n, "clarification.answered", "answered concurrently")?;
    let answered = ClarificationAnswered {
        clarification_id: clarification_id.into(),
        section_id: section_id.clone(),
        org_id: org_id.clone(),
    };
    section_event(&mut tx, ctx, &actor.actor_ref(), now, &answered).await?;
    let c = load_clarifications(&mut tx, &section_id, Some(&org_id))
        .await?
        .into_iter()
        .find(|c| c.id == clarification_id)
        .ok_or_else(|| Error::internal("clarification vanished"))?;
    ctx.db.commit_answering(tx, 200, &c, now).await?;
    Ok(c)
}

/// The section's declared method (the scoring form needs its criteria); 409
/// `evaluation.method_missing` before one is declared.
pub async fn method_of(ctx: &Ctx, section_id: &str) -> Result<MethodSpec> {
    let mut tx = ctx.db.begin().await?;
    let sec = load_sec(&mut tx, &ctx.db, section_id, false).await?;
    tx.rollback().await?;
    sec.method.ok_or_else(|| {
        Error::conflict(
            "evaluation.method_missing",
            "the section has no declared evaluation method",
        )
    })
}
