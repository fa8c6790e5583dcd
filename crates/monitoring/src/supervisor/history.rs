//! What happened: one event, the history of one section, and the audit chain check.

use super::*;

/// An event as a table row in words.
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub event_type: String,
    pub actor: String,
    pub redacted: bool,
    pub fields: Vec<(String, String)>,
    pub hash: String,
}

pub(super) fn event_row(e: &Event, names: &Names, l: Lang) -> EventRow {
    let redacted = e.is_redacted();
    // An event shown complete (not redacted) is one overseers may read with identities.
    let fields = match e.payload.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), names.humanize(&text, true, l))
            })
            .collect(),
        None => vec![],
    };
    let actor = match &e.actor_org {
        Some(o) => format!(
            "{} ({})",
            e.actor,
            names.name(o, true, l).unwrap_or_else(|| o.clone())
        ),
        None => e.actor.clone(),
    };
    EventRow {
        seq: e.seq,
        id: e.id.clone(),
        at: ggzy_web::fmt::beijing_time_s(&e.occurred_at),
        event_type: e.event_type.clone(),
        actor,
        redacted,
        fields,
        hash: e.hash.clone(),
    }
}

#[derive(Template)]
#[template(path = "supervisor/event.html")]
pub(super) struct EventPage {
    l: Lang,
    e: EventRow,
    section: Option<String>,
}

/// `GET /supervisor/events/{id}`: one sealed event, as the log views show it to overseers.
pub(super) async fn event_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let seq = crate::store::reports::sealed_seq(&ctx.db, &id).await?;
        let seq = seq.ok_or_else(|| Error::not_found(format!("event {id}")))?;
        let evs = outbox::read_after(ctx.db.pool(), seq - 1, 1).await?;
        let shown = disclosure::for_overseers(&ctx.db, evs).await?;
        let e = shown
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(format!("event {id}")))?;
        let names = Names::load(&ctx).await?;
        Ok::<_, Error>((disclosure::section_of(&e), event_row(&e, &names, l)))
    }
    .await;
    match data {
        Ok((section, e)) => frame::page(
            &a.chrome,
            l.t("事件", "Event"),
            &EventPage { l, e, section },
        ),
        Err(err) => a.error(err).into_response(),
    }
}

#[derive(Template)]
#[template(path = "supervisor/section.html")]
pub(super) struct SectionPage {
    l: Lang,
    id: String,
    label: String,
    rows: Vec<EventRow>,
    chain_ok: bool,
}

pub(super) fn well_formed_id(id: &str) -> bool {
    (3..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && id.chars().filter(char::is_ascii_alphanumeric).count() >= 3
}

/// `GET /supervisor/sections/{id}`: every sealed event about the section or naming it, in order,
/// as overseers may read them now; the JSON export links beside it.
pub(super) async fn section_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    if !well_formed_id(&id) {
        return a
            .error(Error::field(
                "id",
                "monitoring.section_id_format",
                "a section id: 3-100 characters of A-Z, a-z, 0-9, '-', '_'",
            ))
            .into_response();
    }
    let data = async {
        let mut all: BTreeMap<i64, Event> = BTreeMap::new();
        for by_aggregate in [true, false] {
            let mut after = 0;
            loop {
                let q = outbox::EventQuery {
                    after,
                    limit: 1000,
                    aggregate_id: by_aggregate.then(|| id.clone()),
                    text: (!by_aggregate).then(|| format!("\"{id}\"")),
                    ..Default::default()
                };
                let page = outbox::search(&ctx.db, &q).await?;
                let n = page.len();
                let Some(last) = page.last().map(|e| e.seq) else {
                    break;
                };
                for e in page {
                    all.insert(e.seq, e);
                }
                if n < 1000 {
                    break;
                }
                after = last;
            }
        }
        if all.is_empty() {
            return Err(Error::not_found(format!("no events about section {id}")));
        }
        let shown = disclosure::for_overseers(&ctx.db, all.into_values().collect()).await?;
        let names = Names::load(&ctx).await?;
        let chain = outbox::verify_chain(&ctx.db).await?;
        let label = section_label(&ctx, &id)
            .await?
            .unwrap_or_else(|| id.clone());
        Ok::<_, Error>(SectionPage {
            l,
            id: id.clone(),
            label,
            rows: shown.iter().map(|e| event_row(e, &names, l)).collect(),
            chain_ok: chain.broken_at.is_none(),
        })
    }
    .await;
    match data {
        Ok(p) => frame::page(&a.chrome, l.t("标段全过程", "Section history"), &p),
        Err(e) => a.error(e).into_response(),
    }
}

// ------------------------------------------------------------------ audit chain

#[derive(Template)]
#[template(path = "supervisor/audit.html")]
pub(super) struct AuditPage {
    l: Lang,
    checked: bool,
    ok: bool,
    count: i64,
    head_seq: i64,
    head_hash: String,
    broken_at: Option<i64>,
    problem: String,
    checkpoint: Option<(u64, String, String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    verify: String,
}

/// `GET /supervisor/audit[?verify=1]`: the chain check (on request) and the latest signed
/// transparency checkpoint (docs/transparency-log.md).
pub(super) async fn audit_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let checkpoint = tlog::latest_checkpoint(&ctx.db).await?.map(|c| {
            (
                c.tree_size,
                c.root_hash,
                beijing_time(&c.published_at),
                c.origin,
            )
        });
        let mut p = AuditPage {
            l,
            checked: false,
            ok: false,
            count: 0,
            head_seq: 0,
            head_hash: String::new(),
            broken_at: None,
            problem: String::new(),
            checkpoint,
        };
        if !q.verify.is_empty() {
            let r = outbox::verify_chain(&ctx.db).await?;
            p.checked = true;
            p.ok = r.broken_at.is_none();
            p.count = r.checked;
            p.head_seq = r.head_seq;
            p.head_hash = r.head_hash;
            p.broken_at = r.broken_at;
            p.problem = r.problem.unwrap_or_default();
        }
        Ok::<_, Error>(p)
    }
    .await;
    match data {
        Ok(p) => frame::page(&a.chrome, l.t("审计链校验", "Audit chain check"), &p),
        Err(e) => a.error(e).into_response(),
    }
}
