//! The sanctions list (处罚/禁入名单).

use super::*;

// Sanctions list.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewSanction {
    /// USCC of the sanctioned organization.
    #[schema(
        pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        max_length = 18
    )]
    pub uscc: String,
    /// `debarred` (禁止参与投标) or `dishonest` (失信).
    #[schema(pattern = "^(debarred|dishonest)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
    /// The decision that imposes it (处理决定书 / 文号).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub source_document: String,
    /// First day in force (Asia/Shanghai date).
    pub from: NaiveDate,
    /// Last day in force, included.
    pub to: NaiveDate,
    /// The markets it covers; absent or empty = every market.
    #[serde(default)]
    pub markets: Option<Vec<Market>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sanction {
    pub id: String,
    pub uscc: String,
    pub kind: SanctionKind,
    pub reason: String,
    pub source_document: String,
    pub from: NaiveDate,
    /// Last day in force as decided (see `ended_last_day` for an early end).
    pub to: NaiveDate,
    /// Every market when true; otherwise `markets`.
    pub all_markets: bool,
    /// The markets it covers (all four when `all_markets`).
    pub markets: Vec<Market>,
    /// Ended early: the new last day in force (before `from` = never in force).
    pub ended_last_day: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Sanction {
    pub(super) fn describe(&self) -> String {
        format!(
            "the organization is on the sanctions list: {}, reason: {}, source: {}, period {} to {}, markets: {}",
            self.kind.label(),
            self.reason,
            self.source_document,
            self.from,
            self.last_day(),
            self.scope_text()
        )
    }

    /// The last day in force: the decided one, or the early end's.
    pub fn last_day(&self) -> NaiveDate {
        self.ended_last_day.map_or(self.to, |d| d.min(self.to))
    }

    pub fn covers(&self, market: Market) -> bool {
        self.all_markets || self.markets.contains(&market)
    }

    /// In force for `market` on the local date `day`.
    pub fn bars(&self, market: Market, day: NaiveDate) -> bool {
        self.covers(market) && sanction_active(self.from, self.last_day(), day)
    }

    pub fn scope_text(&self) -> String {
        if self.all_markets {
            "all".into()
        } else {
            self.markets
                .iter()
                .map(Market::as_str)
                .collect::<Vec<_>>()
                .join(",")
        }
    }
}

/// Who keeps the sanctions list: supervisors (who decide them) and the platform administrator.
pub(super) const SANCTION_KEEPERS: [Role; 2] = [Role::Supervisor, Role::Admin];

#[tracing::instrument(skip_all)]
pub async fn create_sanction(ctx: &Ctx, actor: &Actor, input: NewSanction) -> Result<Sanction> {
    actor.require(&SANCTION_KEEPERS)?;
    let mut v = Violations::new();
    let uscc = v.take("uscc", Uscc::parse(&input.uscc));
    let kind = v.take("kind", SanctionKind::parse(&input.kind));
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        v.push(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        );
    }
    let source = input.source_document.trim().to_string();
    if source.is_empty() || source.chars().count() > 500 {
        v.push(
            "source_document",
            "required",
            "the source document is required (at most 500 characters)",
        );
    }
    if input.to < input.from {
        v.push(
            "to",
            "sanction.period_order",
            "the last day must not be before the first day",
        );
    }
    v.into_result()?;
    let (Some(uscc), Some(kind)) = (uscc, kind) else {
        return Err(Error::internal("sanction checked"));
    };
    let chosen = input.markets.unwrap_or_default();
    let markets: Vec<Market> = Market::ALL
        .into_iter()
        .filter(|m| chosen.contains(m))
        .collect();
    let all_markets = markets.is_empty() || markets.len() == Market::ALL.len();
    let now = ctx.clock.now();
    let s = Sanction {
        id: ids::new_id(),
        uscc: uscc.to_string(),
        kind,
        reason,
        source_document: source,
        from: input.from,
        to: input.to,
        all_markets,
        markets: if all_markets {
            Market::ALL.to_vec()
        } else {
            markets
        },
        ended_last_day: None,
        end_reason: None,
        created_at: now,
    };
    let mut tx = ctx.db.begin().await?;
    registrations::insert_sanction(
        &mut tx,
        &registrations::NewSanction {
            id: &s.id,
            uscc: &s.uscc,
            kind: s.kind,
            reason: &s.reason,
            source_document: &s.source_document,
            from: s.from,
            to: s.to,
            created_by: &actor.user_id,
            at: now,
            markets: &s.scope_text(),
        },
    )
    .await?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        SanctionListed {
            id: s.id.clone(),
            uscc: s.uscc.clone(),
            kind: s.kind.as_str().to_string(),
            reason: s.reason.clone(),
            source_document: s.source_document.clone(),
            from: s.from,
            to: s.to,
            markets: s.scope_text(),
        }
        .encode(),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &s, now).await?;
    Ok(s)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SanctionEnd {
    /// The new last day in force (Asia/Shanghai date, included): before the decided last day and
    /// not before yesterday (registrations already refused are not rewritten).
    pub last_day: NaiveDate,
    /// Why it ends early (e.g. the decision revoked on review: 复议/诉讼 文号).
    pub reason: String,
}

/// End a sanction early (supervisor, admin) with a reason: from the day after `last_day` the
/// organization may register again.
#[tracing::instrument(skip_all, fields(sanction = %id))]
pub async fn end_sanction(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    input: SanctionEnd,
) -> Result<Sanction> {
    actor.require(&SANCTION_KEEPERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let r = registrations::sanction_for_update(&mut tx, &ctx.db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("sanction {id}")))?;
    let mut s = sanction_row(r)?;
    if s.ended_last_day.is_some() {
        return Err(Error::conflict(
            "sanction.already_ended",
            format!(
                "this sanction already ended early (last day {})",
                s.last_day()
            ),
        ));
    }
    let mut v = Violations::new();
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        v.push(
            "reason",
            "required",
            "a reason is required (at most 2000 characters)",
        );
    }
    if input.last_day >= s.to {
        v.push(
            "last_day",
            "sanction.end_not_early",
            format!(
                "an early end must come before the decided last day {}",
                s.to
            ),
        );
    }
    let yesterday = local_date(now) - chrono::Duration::days(1);
    if input.last_day < yesterday {
        v.push(
            "last_day",
            "sanction.end_in_past",
            format!(
                "the new last day may not be before {yesterday} (yesterday): past refusals stand"
            ),
        );
    }
    v.into_result()?;
    let n = registrations::end_sanction(&mut tx, id, input.last_day, &reason, &actor.user_id, now)
        .await?;
    if n != 1 {
        return Err(Error::conflict(
            "sanction.already_ended",
            "this sanction already ended early",
        ));
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        SanctionEnded {
            id: id.to_string(),
            uscc: s.uscc.clone(),
            last_day: input.last_day,
            decided_last_day: s.to,
            reason: reason.clone(),
        }
        .encode(),
    )
    .await?;
    s.ended_last_day = Some(input.last_day);
    s.end_reason = Some(reason);
    ctx.db.commit_answering(tx, 200, &s, now).await?;
    Ok(s)
}

pub(super) use registrations::SanctionRow;

pub(super) fn sanction_row(r: SanctionRow) -> Result<Sanction> {
    let scope = r.markets;
    let all_markets = scope == "all";
    let markets = if all_markets {
        Market::ALL.to_vec()
    } else {
        scope
            .split(',')
            .map(|m| {
                Market::parse(m)
                    .map_err(|_| Error::internal(format!("stored sanction market '{m}'")))
            })
            .collect::<Result<Vec<_>>>()?
    };
    Ok(Sanction {
        id: r.id,
        uscc: r.uscc,
        kind: r.kind,
        reason: r.reason,
        source_document: r.source_document,
        from: r.from_date.into(),
        to: r.to_date.into(),
        created_at: r.created_at,
        all_markets,
        markets,
        ended_last_day: r.ended_last_day,
        end_reason: r.end_reason,
    })
}

/// Filters of the sanctions list (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct SanctionFilter {
    /// Only this organization.
    pub uscc: Option<String>,
    /// Only sanctions covering this market.
    pub market: Option<Market>,
    /// Only sanctions in force on this local date.
    pub in_force_on: Option<NaiveDate>,
}

pub async fn list_sanctions(ctx: &Ctx, actor: &Actor) -> Result<Vec<Sanction>> {
    list_sanctions_filtered(ctx, actor, &SanctionFilter::default()).await
}

pub async fn list_sanctions_filtered(
    ctx: &Ctx,
    actor: &Actor,
    f: &SanctionFilter,
) -> Result<Vec<Sanction>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let uscc = f.uscc.as_ref().map(|u| u.trim().to_uppercase());
    let rows = registrations::latest_sanctions(&ctx.db, uscc.as_deref()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let s = sanction_row(r)?;
        if f.market.is_some_and(|m| !s.covers(m)) {
            continue;
        }
        if f.in_force_on
            .is_some_and(|d| !sanction_active(s.from, s.last_day(), d))
        {
            continue;
        }
        out.push(s);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
