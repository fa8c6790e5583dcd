//! Rounds of negotiation / consultation.

use super::*;
use ggzy_events::projects::NontenderRoundRecorded;
use ggzy_events::Contract;

// Rounds of negotiation / consultation.

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct QuoteInput {
    pub org_id: String,
    /// CNY, decimal string or number.
    #[schema(value_type = String)]
    pub price: Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RoundInput {
    /// What was negotiated in this round (the record the panel signs: 74号令 第三十二条).
    pub notes: String,
    /// The quotes of this round (may be empty for a round without new prices; required in the
    /// final round).
    #[serde(default)]
    pub quotes: Vec<QuoteInput>,
    /// The final round: its quotes are the final quotes (最后报价) and the negotiation closes.
    #[serde(default)]
    pub final_round: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundQuote {
    pub org_id: String,
    pub price: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Round {
    pub round_no: i64,
    pub notes: String,
    pub quotes: Vec<RoundQuote>,
    pub final_round: bool,
    pub recorded_by: String,
    #[schema(value_type = String)]
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Negotiation {
    pub section_id: String,
    pub procedure: Procedure,
    pub rounds: Vec<Round>,
}

pub(super) fn money_of(v: &Value) -> std::result::Result<Money, ggzy_core::FieldError> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(ggzy_core::FieldError::new(
                "",
                "money.format",
                "price must be a decimal amount",
            ))
        }
    };
    Decimal::from_str(&s).map_err(|_| {
        ggzy_core::FieldError::new("", "money.format", "price must be a decimal amount")
    })?;
    Money::parse_str(&s)
}

pub(super) fn procedure_of(sec: &crate::award::Sec) -> Result<Procedure> {
    Procedure::parse(&sec.procedure)
        .map_err(|e| Error::internal(format!("projects.procedure: {}", e.message)))
}

/// A procurement section of a non-tender method, owned by the actor (staff: any; agency/tenderer:
/// its own project).
pub(super) async fn nontender_section(
    ctx: &Ctx,
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    section_id: &str,
    lock: bool,
) -> Result<(crate::award::Sec, Procedure)> {
    let sec = load_sec(&ctx.db, tx, section_id, lock).await?;
    if actor.role != Role::Staff {
        require_owner(actor, &sec)?;
    }
    let procedure = procedure_of(&sec)?;
    if !procedure.is_non_tender() {
        return Err(Error::conflict(
            "nontender.not_nontender",
            format!(
                "section's procedure is {}; rounds and results by method belong to the non-tender \
                 procurement methods (非招标采购方式)",
                procedure.as_str()
            ),
        ));
    }
    Ok((sec, procedure))
}

/// Suppliers in the negotiation: opened (decrypted) responses not rejected in the review.
pub(super) async fn opened_quotes(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<Quote>> {
    let rows = crate::store::nontender::opened_quotes(conn, section_id).await?;
    let mut out = Vec::new();
    for r in rows {
        // A package decrypts only with a valid price (package::parse_price); a decrypted response
        // without one is damaged data, never a quote of 0.00 that an inquiry would rank first.
        let fen = r.price_fen.ok_or_else(|| {
            Error::internal(format!(
                "the decrypted response of {} in section {section_id} has no price",
                r.org_id
            ))
        })?;
        out.push(Quote {
            org_id: r.org_id,
            price: Money::from_fen(fen),
        });
    }
    Ok(out)
}

pub(super) async fn load_rounds(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<Round>> {
    let rows = crate::store::nontender::rounds(conn, section_id).await?;
    let mut out = Vec::new();
    for r in rows {
        let quotes: Vec<(String, i64)> = serde_json::from_str(&r.quotes)
            .map_err(|e| Error::internal(format!("negotiation_rounds.quotes: {e}")))?;
        out.push(Round {
            round_no: r.round_no,
            notes: r.notes,
            quotes: quotes
                .into_iter()
                .map(|(org_id, fen)| RoundQuote {
                    org_id,
                    price: Money::from_fen(fen),
                })
                .collect(),
            final_round: r.final_round,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        });
    }
    Ok(out)
}

/// The final quotes (最后报价) of a section's final round, if recorded. Used by the award path to
/// check a candidate's price (the price of a negotiating method is its final quote, not the sealed
/// first response: 政府采购法 第三十八条).
pub(crate) async fn final_quotes(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<HashMap<String, Money>>> {
    let rounds = load_rounds(conn, section_id).await?;
    Ok(rounds
        .into_iter()
        .find(|r| r.final_round)
        .map(|r| r.quotes.into_iter().map(|q| (q.org_id, q.price)).collect()))
}

/// The negotiation record of a section: staff, supervisors, administrators and the project's
/// tenderer/agency.
pub async fn get_negotiation(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Negotiation> {
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
    let procedure = procedure_of(&sec)?;
    Ok(Negotiation {
        section_id: section_id.to_string(),
        procedure,
        rounds: load_rounds(&mut conn, section_id).await?,
    })
}

/// Record one round of negotiation or consultation (staff, or the project's agency) after the
/// opening, while the section is evaluated. Nothing is written unless every check passes.
pub async fn record_round(
    ctx: &Ctx,
    actor: &Actor,
    section_id: &str,
    input: RoundInput,
) -> Result<Negotiation> {
    actor.require(&[Role::Staff, Role::Agency])?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let (sec, procedure) = nontender_section(ctx, &mut tx, actor, section_id, true).await?;
    if !negotiates(procedure) {
        return Err(Error::conflict(
            "nontender.one_quote_only",
            "an inquiry (询价) takes one quote per supplier that cannot be changed; there are no \
             negotiation rounds (政府采购法 第四十条; 财政部令第74号 第四十八条)",
        ));
    }
    if sec.state != SectionState::Evaluating {
        return Err(Error::conflict(
            "nontender.not_negotiating",
            format!(
                "section is in state {}; rounds are recorded after the opening, while the panel \
                 evaluates",
                sec.state.as_str()
            ),
        ));
    }
    let rounds = load_rounds(&mut tx, section_id).await?;
    if rounds.iter().any(|r| r.final_round) {
        return Err(Error::conflict(
            "nontender.negotiation_closed",
            "the final quotes (最后报价) are recorded; the negotiation is closed",
        ));
    }
    let suppliers = opened_quotes(&mut tx, section_id).await?;
    let mut v = Violations::new();
    let notes = input.notes.trim().to_string();
    if notes.is_empty() || notes.chars().count() > 4000 {
        v.push(
            "notes",
            "required",
            "notes are required (at most 4000 characters): the record of the round",
        );
    }
    let mut quotes: Vec<(String, i64)> = Vec::new();
    for (i, q) in input.quotes.iter().enumerate() {
        let f = |n: &str| format!("quotes[{i}].{n}");
        if input.quotes[..i].iter().any(|o| o.org_id == q.org_id) {
            v.push(
                f("org_id"),
                "quote.duplicate",
                "a supplier quotes once per round",
            );
            continue;
        }
        if !suppliers.iter().any(|s| s.org_id == q.org_id) {
            v.push(
                f("org_id"),
                "nontender.supplier_not_in_negotiation",
                format!(
                    "organization {} has no opened response in this section (or it was rejected \
                     in the review)",
                    q.org_id
                ),
            );
            continue;
        }
        if let Some(m) = v.take(&f("price"), money_of(&q.price)) {
            if m.is_zero() {
                v.push(
                    f("price"),
                    "quote.price_positive",
                    "price must be greater than zero",
                );
            } else {
                quotes.push((q.org_id.clone(), m.fen()));
            }
        }
    }
    if input.final_round {
        if input.quotes.is_empty() {
            v.push(
                "quotes",
                "nontender.final_quotes_required",
                "the final round records the final quotes (最后报价) of the suppliers still in the \
                 negotiation (财政部令第74号 第三十三条; 财库〔2014〕214号 第二十一条)",
            );
        }
        if procedure == Procedure::SingleSource && input.quotes.len() > 1 {
            v.push(
                "quotes",
                "nontender.single_supplier",
                "single source (单一来源) negotiates with one supplier (政府采购法 第三十九条)",
            );
        }
    }
    v.into_result()?;
    let round_no = i64::try_from(rounds.len()).unwrap_or(i64::MAX) + 1;
    let quotes_json = serde_json::to_string(&quotes).map_err(|e| Error::internal(e.to_string()))?;
    crate::store::nontender::insert_round(
        &mut tx,
        crate::store::nontender::NewRound {
            section_id,
            round_no,
            notes: &notes,
            quotes: &quotes_json,
            final_round: input.final_round,
            recorded_by: &actor.actor_ref().id,
            recorded_at: now,
        },
    )
    .await?;
    // Prices stay out of the event: they are disclosed with the result.
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NontenderRoundRecorded {
            section_id: section_id.to_string(),
            project_id: sec.project_id.clone(),
            procedure: procedure.as_str().to_string(),
            round_no,
            final_round: input.final_round,
            quote_count: i64::try_from(quotes.len()).unwrap_or(i64::MAX),
        }
        .encode(),
    )
    .await?;
    let out = Negotiation {
        section_id: section_id.to_string(),
        procedure,
        rounds: load_rounds(&mut tx, section_id).await?,
    };
    ctx.db.commit_answering(tx, 201, &out, now).await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
