//! Cases: the case row, loading and who may see it, and raising a case (质疑, 投诉, 异议).

use super::*;
use crate::store::cases::{self as store, CaseRow};

/// A remedy case. `raised_by_org` is `null` (and `anonymised` true) on a view shown to another
/// bidder: who raised a case is not disclosed to competitors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub kind: Kind,
    pub market: String,
    pub section_id: String,
    pub target: Target,
    pub raised_by_org: Option<String>,
    pub anonymised: bool,
    pub grounds: String,
    /// Ids of the attachments (uploaded with `POST /api/v1/sections/{id}/remedies/attachments`).
    pub attachments: Vec<String>,
    /// The stored attachments with their SHA-256 digests.
    #[serde(default)]
    pub attachment_files: Vec<crate::attachments::Attachment>,
    pub raised_at: DateTime<Utc>,
    /// The end of the period it was raised within (24:00 Beijing time of its last day).
    pub raise_deadline: Option<DateTime<Utc>>,
    pub known_on: Option<NaiveDate>,
    pub state: State,
    /// The objection / challenge this complaint escalates.
    pub parent_id: Option<String>,
    /// The complaint this objection / challenge was escalated to.
    pub child_id: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_due: Option<DateTime<Utc>>,
    pub changes_documents: bool,
    pub new_bid_deadline: Option<DateTime<Utc>>,
    pub accept_due: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub decide_due: Option<DateTime<Utc>>,
    pub decision: Option<Decision>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The case suspends the section now.
    pub suspending: bool,
    pub suspend_until: Option<DateTime<Utc>>,
    /// The articles of the rule it follows.
    pub source: String,
    /// A period counted for a year without a holiday schedule (weekends only).
    pub provisional: bool,
}

impl From<CaseRow> for Case {
    fn from(r: CaseRow) -> Case {
        Case {
            id: r.id,
            kind: r.kind,
            market: r.market,
            section_id: r.section_id,
            target: r.target,
            raised_by_org: Some(r.raised_by_org),
            anonymised: false,
            grounds: r.grounds,
            attachments: serde_json::from_str(&r.attachments).unwrap_or_default(),
            attachment_files: Vec::new(),
            raised_at: r.raised_at,
            raise_deadline: r.raise_deadline,
            known_on: r.known_on.and_then(|d| d.parse().ok()),
            state: r.state,
            parent_id: r.parent_id,
            child_id: r.child_id,
            answer: r.answer,
            answered_at: r.answered_at,
            answer_due: r.answer_due,
            changes_documents: r.changes_documents,
            new_bid_deadline: r.new_bid_deadline,
            accept_due: r.accept_due,
            accepted_at: r.accepted_at,
            refusal_reason: r.refusal_reason,
            decide_due: r.decide_due,
            decision: r.decision,
            decision_reason: r.decision_reason,
            decided_at: r.decided_at,
            suspending: r.suspending,
            suspend_until: r.suspend_until,
            source: r.source,
            provisional: r.provisional,
        }
    }
}

pub(super) async fn load_case(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: bool,
) -> Result<Case> {
    let r = store::case_row(conn, id, if lock { db.for_update() } else { "" })
        .await?
        .ok_or_else(|| Error::not_found(format!("remedy case {id}")))?;
    let mut c = Case::from(r);
    c.attachment_files = crate::attachments::of_case(conn, id).await?;
    Ok(c)
}

/// Cases read from rows, with their stored attachments.
pub(super) async fn cases_with_files(
    conn: &mut sqlx::AnyConnection,
    rows: Vec<CaseRow>,
) -> Result<Vec<Case>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut c = Case::from(r);
        c.attachment_files = crate::attachments::of_case(conn, &c.id).await?;
        out.push(c);
    }
    Ok(out)
}

/// Whether the section has a public notice any supplier may object to (a single-source
/// publicity, an open prequalification round). 404 for an unknown section.
pub(crate) async fn load_section_public(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<bool> {
    let sec = load_section(conn, section_id).await?;
    Ok(sec.procedure == "single_source" || sec.prequal_due.is_some())
}

/// Whether `org_id` obtained the section's documents (or applied to its prequalification).
pub(crate) async fn party_of(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    Ok(party_since(conn, section_id, org_id).await?.is_some())
}

/// The parties to a case: its raiser, the project's tenderer or agency; staff, supervisors and
/// admin. Anyone else 403 (404 for an unknown case).
pub(crate) async fn require_case_party(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    case_id: &str,
) -> Result<()> {
    let r = store::case_party(conn, case_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("remedy case {case_id}")))?;
    let (section_id, raiser) = (r.section_id, r.raised_by_org);
    let ok = match actor.role {
        Role::Admin | Role::Staff | Role::Supervisor => true,
        Role::Bidder => actor.org_id.as_deref() == Some(raiser.as_str()),
        Role::Tenderer | Role::Agency => {
            let sec = load_section(conn, &section_id).await?;
            actor.org_id.as_deref() == Some(sec.owner_org_id.as_str())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the parties to the case (its raiser, the tenderer or agency), staff and supervisors read its attachments",
        ))
    }
}

/// What the caller may see of cases of a section: `Full` (raiser shown) or `Anonymised`; `None`:
/// not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sight {
    Full,
    OwnOnly,
}

pub(super) async fn sight(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    sec: &Sec,
    section_id: &str,
) -> Result<Sight> {
    match actor.role {
        Role::Admin | Role::Staff | Role::Supervisor => Ok(Sight::Full),
        Role::Tenderer | Role::Agency if actor.org_id.as_deref() == Some(&sec.owner_org_id) => {
            Ok(Sight::Full)
        }
        Role::Bidder => {
            let org = actor.org_id.as_deref().unwrap_or("");
            if party_since(conn, section_id, org).await?.is_some() {
                Ok(Sight::OwnOnly)
            } else {
                Err(Error::forbidden(
                    "only the section's bidders, its tenderer or agency, staff and supervisors see its cases",
                ))
            }
        }
        _ => Err(Error::forbidden(
            "only the section's bidders, its tenderer or agency, staff and supervisors see its cases",
        )),
    }
}

pub(super) fn shown(mut c: Case, actor: &Actor, sight: Sight) -> Case {
    if sight == Sight::OwnOnly && c.raised_by_org.as_deref() != actor.org_id.as_deref() {
        c.raised_by_org = None;
        c.anonymised = true;
    }
    c
}

pub(super) fn text(v: &mut Violations, field: &str, s: &str, max: usize) -> String {
    let t = s.trim().to_string();
    if t.is_empty() || t.chars().count() > max {
        v.push(
            field,
            "required",
            format!("{field} is required (at most {max} characters)"),
        );
    }
    t
}

pub(super) fn attachments(v: &mut Violations, a: &[String]) -> String {
    if a.len() > 20 || a.iter().any(|f| f.trim().is_empty() || f.len() > 100) {
        v.push(
            "attachments",
            "remedy.attachments",
            "at most 20 file ids of at most 100 characters each",
        );
    }
    json!(a).to_string()
}

/// Raising a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RaiseInput {
    #[schema(pattern = "^(objection|challenge|complaint)$")]
    pub kind: String,
    #[schema(pattern = "^(documents|process|opening|result|listing|deal)$")]
    pub target: String,
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub grounds: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachments: Vec<String>,
    /// The date the raiser learnt of what it objects to; required where the period counts from it
    /// (complaints in construction; procurement challenges to the process or the result).
    pub known_on: Option<NaiveDate>,
}

pub(super) fn track(provisional: &mut bool, r: Reckoned<Timestamp>) -> Timestamp {
    *provisional |= r.provisional();
    r.value
}

pub(super) fn too_late(field: &str, ends: Timestamp, rule: &RemedyRule) -> Error {
    Error::field(
        field,
        "remedy.raise_period_ended",
        format!(
            "the period to raise this {} ended at {} ({})",
            rule.kind.as_str(),
            display_local(ends),
            rule.source
        ),
    )
}

/// When the period to raise a case of `rule` ends (`None`: no fixed end, checked otherwise).
async fn raise_window(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    rule: &RemedyRule,
    sec: &Sec,
    (section_id, org_id): (&str, &str),
    (known_on, now): (Option<NaiveDate>, Timestamp),
    provisional: &mut bool,
) -> Result<Option<Timestamp>> {
    let cal = ctx.db.calendar();
    match rule.raise_from {
        RaiseFrom::BeforeDeadline => {
            if sec.stage != "bidding" && sec.stage != "registered" {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!("the bidding is over ({})", rule.source),
                ));
            }
            Ok(Some(before_deadline_ends(sec.bid_deadline, rule.raise)))
        }
        RaiseFrom::BeforeClose => {
            if sec.stage != "bidding" {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!("the listing is not open ({})", rule.source),
                ));
            }
            Ok(Some(sec.bid_deadline))
        }
        RaiseFrom::DuringOpening => {
            if sec.stage != "opening" {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_opening",
                    format!(
                        "an objection to the opening is raised on the spot, while it is in progress ({})",
                        rule.source
                    ),
                ));
            }
            Ok(None)
        }
        RaiseFrom::Registered => {
            let since = party_since(conn, section_id, org_id)
                .await?
                .ok_or_else(|| {
                    Error::forbidden("your organization did not obtain the documents")
                })?;
            Ok(Some(track(provisional, raise_ends(cal, since, rule.raise))))
        }
        RaiseFrom::Known => {
            let Some(k) = known_on else {
                return Err(Error::field(
                    "known_on",
                    "required",
                    "the date you learnt of it is required: the period counts from it",
                ));
            };
            check_known_on(k, now)?;
            Ok(Some(track(
                provisional,
                raise_ends(cal, at_local(k, 12, 0, 0), rule.raise),
            )))
        }
        RaiseFrom::BeforeApplicationsDue => {
            let Some(due_at) = sec.prequal_due else {
                return Err(Error::field(
                    "target",
                    "remedy.raise_period_ended",
                    format!(
                        "no prequalification round of this section is open ({})",
                        rule.source
                    ),
                ));
            };
            Ok(Some(before_deadline_ends(due_at, rule.raise)))
        }
        RaiseFrom::DuringPublicity => {
            let start = sec
                .docs_issue_at
                .filter(|_| sec.procedure == "single_source");
            let Some(start) = start else {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "this section has no single-source publicity ({})",
                        rule.source
                    ),
                ));
            };
            if now < start {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "the single-source publicity starts at {} ({})",
                        display_local(start),
                        rule.source
                    ),
                ));
            }
            Ok(Some(track(
                provisional,
                rules::publicity_ends(cal, start, rule.raise),
            )))
        }
        RaiseFrom::DuringCandidatePublicity => {
            let ends = sec.publicity_ends.filter(|_| sec.stage == "publicizing");
            let Some(ends) = ends else {
                return Err(Error::field(
                    "target",
                    "remedy.not_during_publicity",
                    format!(
                        "an objection to the evaluation result is raised during the candidate \
                         publicity; this section is not in its publicity ({})",
                        rule.source
                    ),
                ));
            };
            Ok(Some(ends))
        }
        RaiseFrom::AfterAnswer => Err(Error::field(
            "kind",
            "remedy.requires_prior",
            format!(
                "a {} follows a {} and its answer: escalate that case ({})",
                rule.kind.as_str(),
                rule.requires_prior
                    .map(Kind::as_str)
                    .unwrap_or("prior case"),
                rule.source
            ),
        )),
    }
}

pub(super) struct NewCase<'a> {
    pub(super) rule: &'a RemedyRule,
    pub(super) section_id: &'a str,
    pub(super) org_id: &'a str,
    pub(super) grounds: String,
    pub(super) attachments: String,
    /// The attachment ids claimed by the case (checked: the raiser's own, this section's, unclaimed).
    pub(super) attachment_ids: &'a [String],
    pub(super) known_on: Option<NaiveDate>,
    pub(super) raise_deadline: Option<Timestamp>,
    pub(super) parent_id: Option<&'a str>,
    /// Carries a suspension over from the case it escalates.
    pub(super) inherit_suspension: bool,
    pub(super) provisional: bool,
    /// Where the answer period counts from (None: the raising; 74号令 第四十条: the publicity's end).
    pub(super) answer_from: Option<Timestamp>,
}

/// Inserts a case with its due timer and events; the new case.
pub(super) async fn insert_case(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    now: Timestamp,
    n: NewCase<'_>,
) -> Result<Case> {
    let cal = ctx.db.calendar();
    let mut provisional = n.provisional;
    let rule = n.rule;
    let id = ids::new_id();
    let answer_due = rule.answer.map(|p| {
        let r = match n.answer_from {
            Some(end) => rules::answer_after_publicity(cal, end, p),
            None => due(cal, now, p),
        };
        track(&mut provisional, r)
    });
    let accept_due = rule
        .accept
        .map(|p| track(&mut provisional, due(cal, now, p)));
    let suspending = rule.suspends == Suspends::Always || n.inherit_suspension;
    store::insert_case(
        tx,
        store::CaseInsert {
            id: &id,
            kind: rule.kind.as_str(),
            market: &rule.market,
            section_id: n.section_id,
            target: rule.target.as_str(),
            raised_by_org: n.org_id,
            raised_by_user: &actor.user_id,
            grounds: &n.grounds,
            attachments: &n.attachments,
            raised_at: now,
            raise_deadline: n.raise_deadline,
            known_on: n.known_on.map(|d| d.to_string()),
            parent_id: n.parent_id,
            answer_due,
            accept_due,
            suspending,
            source: &rule.source,
            provisional,
        },
    )
    .await?;
    crate::attachments::claim(
        tx,
        ctx.db.for_update(),
        n.attachment_ids,
        n.org_id,
        n.section_id,
        &id,
    )
    .await?;
    if let Some((step, at)) = answer_due
        .map(|d| ("answer", d))
        .or(accept_due.map(|d| ("acceptance", d)))
    {
        timers::schedule(
            tx,
            DUE_TIMER,
            &due_key(&id),
            at,
            CaseTimer::payload(&id, Some(step)),
            now,
        )
        .await?;
    }
    // The raiser is not in the payload: the organization is the event's actor (audit), and
    // competitors read the case only through the anonymising views.
    let raised = ggzy_events::remedies::CaseRaised {
        case_id: id.clone(),
        section_id: n.section_id.to_string(),
        market: rule.market.clone(),
        kind: rule.kind.as_str().into(),
        target: rule.target.as_str().into(),
        parent_id: n.parent_id.map(str::to_string),
        raised_at: now,
        grounds: n.grounds.clone(),
        answer_due,
        accept_due,
        suspends: suspending,
        source: rule.source.clone(),
    };
    emit(
        tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&raised),
    )
    .await?;
    if suspending {
        let suspended = ggzy_events::remedies::CaseSuspended {
            case_id: id.clone(),
            section_id: n.section_id.to_string(),
            scope: rule.target.suspension_scope().into(),
            source: rule.source.clone(),
            until: None,
        };
        emit(
            tx,
            &ctx.db,
            &actor.actor_ref(),
            now,
            ggzy_events::Contract::encode(&suspended),
        )
        .await?;
    }
    load_case(&ctx.db, tx, &id, false).await
}

/// Write one of a case's events (its contract) in the use case's transaction.
pub(super) async fn ev<C: ggzy_events::Contract + Sync>(
    tx: &mut Tx,
    ctx: &Ctx,
    by: &ActorRef,
    now: Timestamp,
    event: &C,
) -> Result<()> {
    emit(tx, &ctx.db, by, now, event.encode()).await?;
    Ok(())
}

/// A bidder or supplier that obtained the section's documents raises an objection, a challenge or
/// (construction) a complaint.
pub async fn raise(ctx: &Ctx, actor: &Actor, section_id: &str, input: RaiseInput) -> Result<Case> {
    actor.require(&[Role::Bidder])?;
    let org = actor
        .org_id
        .clone()
        .ok_or_else(|| Error::forbidden("a bidder acts for its organization"))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    // Who may raise it before what was sent: a stranger learns nothing about the section —
    // except about its public notices, which any supplier may object to.
    let sec = load_section(&mut tx, section_id).await?;
    let public_notice = Target::parse(&input.target).is_ok_and(Target::open_to_any_supplier);
    if !public_notice && party_since(&mut tx, section_id, &org).await?.is_none() {
        return Err(Error::forbidden(
            "only a bidder or supplier that obtained the documents of this section may raise a case",
        ));
    }
    let mut v = Violations::new();
    let kind = v.take("kind", Kind::parse(&input.kind).map_err(first_error));
    let target = v.take("target", Target::parse(&input.target).map_err(first_error));
    let grounds = text(&mut v, "grounds", &input.grounds, 5000);
    let files = attachments(&mut v, &input.attachments);
    v.into_result()?;
    let (Some(kind), Some(target)) = (kind, target) else {
        return Err(Error::internal("parsed kind and target"));
    };
    let rule = load_rule(&mut tx, &ctx.settings.region, &sec.market, kind, target)
        .await?
        .ok_or_else(|| not_available(&sec.market, kind, target))?;
    let mut provisional = false;
    let ends = raise_window(
        ctx,
        &mut tx,
        &rule,
        &sec,
        (section_id, &org),
        (input.known_on, now),
        &mut provisional,
    )
    .await?;
    if let Some(ends) = ends {
        if !in_time(now, ends) {
            return Err(too_late("raised_at", ends, &rule));
        }
    }
    let case = insert_case(
        ctx,
        &mut tx,
        actor,
        now,
        NewCase {
            rule: &rule,
            section_id,
            org_id: &org,
            grounds,
            attachments: files,
            attachment_ids: &input.attachments,
            known_on: input.known_on,
            raise_deadline: ends,
            parent_id: None,
            inherit_suspension: false,
            provisional,
            answer_from: ends.filter(|_| rule.raise_from == RaiseFrom::DuringPublicity),
        },
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &case, now).await?;
    Ok(case)
}
