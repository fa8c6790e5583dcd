//! Linking an expert record to its login.

use super::*;
use ggzy_events::experts::ExpertUpdated;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AccountLink {
    /// The identity user id (role `expert`) the expert logs in with; `null` unlinks.
    pub user_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

fn account_taken() -> Error {
    Error::conflict(
        "expert.user_taken",
        "this account is already linked to another expert",
    )
}

/// The experts area's copy of user accounts (`expert_users`) follows identity's events. An account
/// created a moment ago may not have arrived yet: wait briefly, then answer 409 with `Retry-After`
/// (`expert.user_not_caught_up`) rather than a misleading "no such user account" (issue 17).
async fn user_projected(ctx: &Ctx, user_id: &str) -> Result<()> {
    let db = ctx.db.clone();
    ggzy_store::consumer::wait_for_projection(
        &ctx.db,
        super::consumer::CONSUMER,
        &["identity.user.created"],
        std::time::Duration::from_secs(2),
        "expert.user_not_caught_up",
        "the user account",
        || {
            let db = db.clone();
            async move { store::copies::user_known(&db, user_id).await }
        },
    )
    .await
    .map(|_| ())
}

/// Staff link an expert record to the login the expert uses (role `expert`), and set the e-mail.
#[tracing::instrument(skip_all)]
pub async fn link_account(
    ctx: &Ctx,
    actor: &Actor,
    expert_id: &str,
    input: AccountLink,
) -> Result<service::Expert> {
    actor.require(STAFF)?;
    let mut errs: Vec<FieldError> = Vec::new();
    let email = input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let Some(e) = email {
        if !plausible_email(e) {
            errs.push(FieldError::new(
                "email",
                "expert.email",
                "not an e-mail address like name@example.cn",
            ));
        }
    }
    if let Some(u) = &input.user_id {
        user_projected(ctx, u).await?;
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    if let Some(u) = &input.user_id {
        match store::copies::user_role(&mut tx, u).await? {
            Some(r) if r == "expert" => {}
            Some(_) => errs.push(FieldError::new(
                "user_id",
                "expert.user_role",
                "the account must have the expert role",
            )),
            None => errs.push(FieldError::new(
                "user_id",
                "expert.user_unknown",
                "no such user account",
            )),
        }
    }
    if !errs.is_empty() {
        tx.rollback().await?;
        return Err(Error::Validation(errs));
    }
    let username: Option<String> = match &input.user_id {
        Some(u) => store::copies::username(&mut tx, u).await?,
        None => None,
    };
    let n = store::pool::set_account(&mut tx, expert_id, input.user_id.as_deref(), email, now)
        .await
        .on_unique(&EXPERTS_USER_ID, account_taken)?;
    if n != 1 {
        tx.rollback().await?;
        return Err(Error::not_found("expert"));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ExpertUpdated {
            expert_id: expert_id.to_string(),
            user_id: input.user_id.clone(),
            username: username.clone(),
            change: Some("account_linked".into()),
        }
        .encode(),
    )
    .await?;
    let answer = service::get_in(&mut tx, actor, expert_id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}
