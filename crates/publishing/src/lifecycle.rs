//! Publishing follows the trading lifecycle from the projects area's events: it keeps its own copy
//! of projects and sections (titles, markets, tenderer, deadlines), drafts the opening record,
//! candidate publicity, award and failure notices from the events — so the numbers are never
//! retyped — and writes the OCDS opening, disqualification (`evaluation.bid.rejected`), award,
//! contract and failure releases.
//!
//! An auto-draft belongs to the tenderer's organization, keeps the event's values in
//! `source_fields` (an edit may add to them, never change them) and goes through the ordinary
//! workflow: the tenderer completes the fields the event does not carry, submits, staff approve.
//!
//! Land and property trades: `auctions.deal.confirmed` drafts the deal announcement (成交公告) with
//! the subject, the buyer's name (from this area's copy of organizations, `publishing_orgs`, fed by
//! `identity.organization.registered` in the same log order), the price and the deal time;
//! `auctions.listing.failed` / `auctions.auction.failed` draft a failure notice (流拍公告).

use crate::rules::{render_markdown, AnnouncementType};
use crate::service::{self, SectionInfo};
use crate::store;
use chrono::{DateTime, Utc};
use ggzy_core::events::{ActorRef, Event};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::Money;
use ggzy_core::{ids, Clock, Result};
use ggzy_events::auctions::{
    AuctionFailed, DealConfirmed, DealTermsRecorded, ListingFailed, PreemptionRecorded,
};
use ggzy_events::evaluation::BidRejected;
use ggzy_events::experts::CommitteeDisclosed;
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::{
    AwardConfirmed, CandidatesPublicized, ContractSigned, DueDateRederived, OpeningRecorded,
    PrequalificationDeadlineChanged, PrequalificationOpened, PrequalificationReviewed,
    SectionDeadlineChanged, SectionFailed, SectionRegistered, SectionReturnedToEvaluation,
    SectionTerminated,
};
use ggzy_events::publishing::AnnouncementDateOutdated;
use ggzy_events::Contract;
use ggzy_store::consumer::Consumer;
use ggzy_store::{emit, Db, Tx};
use serde_json::{json, Value};

pub(crate) const NAME: &str = "publishing.lifecycle";

/// Publishing's copy of the organizations (names on drafted announcements).
const ORGS: ggzy_store::copies::OrgCopy = ggzy_store::copies::OrgCopy {
    table: "publishing_orgs",
    columns: &[
        ("org_id", ggzy_store::copies::OrgField::Id),
        ("uscc", ggzy_store::copies::OrgField::Uscc),
        ("name", ggzy_store::copies::OrgField::Name),
        ("updated_at", ggzy_store::copies::OrgField::UpdatedAt),
    ],
    blank_is_null: false,
};

pub struct LifecycleProjection;

/// Publishing's copy of the registered sections (`publishing_sections`). A repeated registration
/// merges: a member the event does not carry (the region and tenderer's name of an event emitted
/// before they were added) keeps its stored value.
const SECTIONS: ggzy_store::copies::SectionCopy = {
    use ggzy_store::copies::{OnRepeat, SectionCopy, SectionField as F};
    SectionCopy {
        table: "publishing_sections",
        columns: &[
            ("section_id", F::SectionId),
            ("project_id", F::ProjectId),
            ("project_code", F::ProjectCode),
            ("project_name", F::ProjectName),
            ("section_name", F::Name),
            ("market", F::Market),
            ("procedure", F::Procedure),
            ("region", F::Region),
            ("tenderer_name", F::TendererName),
            ("tenderer_uscc", F::TendererUscc),
            ("owner_org_id", F::OwnerOrgId),
            ("estimated_price", F::EstimatedDecimal),
            ("docs_issue_at", F::DocsIssueAt),
            ("bid_deadline", F::BidDeadline),
            ("opening_at", F::OpeningAt),
            ("updated_at", F::UpdatedAt),
        ],
        on_repeat: OnRepeat::Merge,
        blank_is_null: false,
    }
};

/// The section an event is about, from the projection; a minimal stand-in when the projection
/// has not seen it (the event's own ids and market still hold).
async fn section_of(
    tx: &mut Tx,
    id: &str,
    project_id: Option<&str>,
    market: Option<&str>,
) -> Result<SectionInfo> {
    if let Some(s) = service::sections(tx, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    {
        return Ok(s);
    }
    Ok(SectionInfo {
        section_id: id.to_string(),
        project_id: project_id.unwrap_or_default().to_string(),
        project_code: None,
        project_name: project_id.unwrap_or(id).to_string(),
        section_name: String::new(),
        market: market.unwrap_or("construction").to_string(),
        procedure: None,
        tenderer_name: None,
        tenderer_uscc: None,
        owner_org_id: None,
        estimated_price: None,
        docs_issue_at: None,
        bid_deadline: None,
        opening_at: None,
        prequal_due: None,
        prequal_docs_issue: None,
        prequal_sale_end: None,
    })
}

/// Markdown table cell: a value from an event, with `|` and line breaks neutralised.
fn cell(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    };
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A text from an event (`—` when absent).
fn cell_str(v: Option<&str>) -> String {
    match v {
        Some(s) => cell(&json!(s)),
        None => cell(&Value::Null),
    }
}

/// An instant from an event, in Beijing time for the reader (`2026-04-03 09:30`).
fn cell_time(v: Option<DateTime<Utc>>) -> String {
    match v {
        Some(t) => crate::portal::view::when(t),
        None => cell(&Value::Null),
    }
}

/// An amount from an event, as money (`9,876,543.21 元`).
fn cell_money(v: Option<Money>) -> String {
    match v {
        Some(m) => crate::portal::view::money(m),
        None => cell(&Value::Null),
    }
}

/// An amount as the event wrote it (a decimal string), as money when it is one.
fn cell_money_text(v: Option<&str>) -> String {
    match v.and_then(|s| Money::parse_str(s).ok()) {
        Some(m) => crate::portal::view::money(m),
        None => cell_str(v),
    }
}

/// An instant as JSON text (RFC 3339, as the events write it), `null` when absent.
fn rfc(t: Option<DateTime<Utc>>) -> Value {
    json!(t.map(|t| t.to_rfc3339()))
}

/// A bid's decryption state in words.
fn decryption_text(v: &str) -> &'static str {
    match Some(v) {
        Some("decrypted") => "已解密",
        Some("not_decrypted") | Some("revoked") => "未解密（撤销）",
        _ => "—",
    }
}

/// A bidder's deposit state at the opening in words.
fn deposit_text(v: &str) -> &'static str {
    match Some(v) {
        Some("valid") => "有效",
        Some("missing") => "未缴纳",
        Some("invalid") => "无效",
        _ => "未确认",
    }
}

mod drafts;
use self::drafts::*;

// The JSON text columns of the drafts (store::announcements) are read leniently (unreadable text
// reads as empty), as always.
use crate::store::announcements::DraftTextRow;

/// The candidate publicity's end moved (projects re-derived it when a holiday schedule was
/// imported, 民法典 203): the platform's candidate-publicity announcement of the section follows.
/// Not yet published (draft, returned, submitted): its end field, the locked source value and the
/// body's period line take the new end. Already published: the public text is not rewritten
/// behind the reader's back; `publishing.announcement.date_outdated` tells its owner and staff to
/// publish a correction (更正公告).
async fn publicity_end_moved(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    p: &DueDateRederived,
) -> Result<()> {
    let section_id = p.section_id.as_str();
    let rows =
        store::announcements::unwithdrawn_of_type(tx, AnnouncementType::CandidatePublicity).await?;
    for r in rows {
        let ids: Value = serde_json::from_str(&r.section_ids).unwrap_or_default();
        if !ids
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == section_id)
        {
            continue;
        }
        let id = r.id;
        if r.status == service::Status::Published {
            emit(
                tx,
                db,
                &ActorRef::system(NAME),
                now,
                AnnouncementDateOutdated {
                    id: id.clone(),
                    section_id: section_id.to_string(),
                    field: "publicity_end_at".into(),
                    published: p.previous_due_at,
                    now: p.due_at,
                    basis: p.basis.clone(),
                    action: "publish a correction (更正公告)".into(),
                }
                .encode(),
            )
            .await?;
            continue;
        }
        let draft = DraftTextRow {
            id,
            fields: r.fields,
            source_fields: r.source_fields,
            body_md: r.body_md,
        };
        let moved = (p.previous_due_at, p.due_at);
        retime_draft(tx, now, draft, "publicity_end_at", moved).await?;
    }
    Ok(())
}

/// An unpublished draft's time `field` moved from `old` (when known) to `new`: the field, its
/// locked source value and the body's line take the new time.
async fn retime_draft(
    tx: &mut Tx,
    now: DateTime<Utc>,
    r: DraftTextRow,
    field: &str,
    (old, new): (Option<DateTime<Utc>>, DateTime<Utc>),
) -> Result<()> {
    let mut fields: Value = serde_json::from_str(&r.fields).unwrap_or_default();
    let mut source: Value = r
        .source_fields
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    fields[field] = json!(new.to_rfc3339());
    if source.is_object() {
        source[field] = json!(new.to_rfc3339());
    }
    let body = match old {
        Some(old) => r
            .body_md
            .replace(&cell_time(Some(old)), &cell_time(Some(new))),
        None => r.body_md,
    };
    let source = if source.is_null() {
        None
    } else {
        Some(source.to_string())
    };
    store::announcements::set_draft_text(
        tx,
        &r.id,
        (fields.to_string(), source),
        (&body, render_markdown(&body)),
        now,
    )
    .await?;
    Ok(())
}

/// A clarification moved the open prequalification round's applications deadline (实施条例
/// 第二十一条): the section's auto-drafted prequalification announcement not yet published follows
/// (its locked deadline would otherwise no longer match the round it announces).
async fn prequal_draft_moved(
    tx: &mut Tx,
    now: DateTime<Utc>,
    c: &ggzy_events::projects::PrequalificationDeadlineChanged,
) -> Result<()> {
    let rows =
        store::announcements::open_auto_drafts(tx, AnnouncementType::Prequalification).await?;
    for r in rows {
        let ids: Vec<String> = serde_json::from_str(&r.section_ids).unwrap_or_default();
        if !ids.contains(&c.section_id) {
            continue;
        }
        let draft = DraftTextRow {
            id: r.id,
            fields: r.fields,
            source_fields: r.source_fields,
            body_md: r.body_md,
        };
        let moved = (c.old_applications_due_at, c.applications_due_at);
        retime_draft(tx, now, draft, "applications_due_at", moved).await?;
    }
    Ok(())
}

/// `auctions.deal.terms_recorded` (property, 32号令): the deal announcement (成交公告) still in
/// draft takes the recorded publicity period (公示期, ≥ 5 working days) as fields and a line of its
/// body; a submitted or published one is left as it is (the terms follow the deal, a correction
/// would be a new announcement).
async fn deal_publicity(tx: &mut Tx, now: DateTime<Utc>, p: &DealTermsRecorded) -> Result<()> {
    let deal_id = p.deal_id.as_str();
    let (start, end) = (p.publicity_start.to_rfc3339(), p.publicity_end.to_rfc3339());
    let r = store::announcements::open_draft_of_source(tx, &format!("deal:{deal_id}:deal")).await?;
    let Some(r) = r else { return Ok(()) };
    let id = r.id;
    let mut fields: Value = serde_json::from_str(&r.fields).unwrap_or_default();
    let mut source: Value = r
        .source_fields
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    for v in [&mut fields, &mut source] {
        if v.is_object() {
            v["publicity_start_at"] = json!(start);
            v["publicity_end_at"] = json!(end);
        }
    }
    let body = r.body_md;
    let body = format!(
        "{body}\n公示期（publicity）：{} 至 {}（不少于 5 个工作日）\n",
        cell_time(Some(p.publicity_start)),
        cell_time(Some(p.publicity_end))
    );
    let source = if source.is_null() {
        None
    } else {
        Some(source.to_string())
    };
    store::announcements::set_draft_text(
        tx,
        &id,
        (fields.to_string(), source),
        (&body, render_markdown(&body)),
        now,
    )
    .await?;
    Ok(())
}

/// `experts.committee.disclosed` for a procurement section: the result is determined, and its
/// result announcement lists the evaluation experts (财政部令第87号 第六十九条). The award draft(s)
/// of the section not yet submitted get the names as a locked field and a table in the body; the
/// names come from the experts area's event, never from its tables.
async fn experts_disclosed(tx: &mut Tx, now: DateTime<Utc>, p: &CommitteeDisclosed) -> Result<()> {
    let section_id = p.section_id.as_str();
    let experts: Vec<Value> = p
        .experts
        .iter()
        .map(|e| json!({"name": e.name, "specialty": e.specialty}))
        .collect();
    let rows = store::announcements::open_drafts_of_project(
        tx,
        AnnouncementType::Award,
        &p.project_id.clone().unwrap_or_default(),
    )
    .await?;
    for r in rows {
        let ids: Value = serde_json::from_str(&r.section_ids).unwrap_or_default();
        if !ids
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v == section_id)
        {
            continue;
        }
        let id = r.id;
        let mut fields: Value = serde_json::from_str(&r.fields).unwrap_or_default();
        let mut source: Value = r
            .source_fields
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_else(|| json!({}));
        fields["experts"] = json!(experts);
        source["experts"] = json!(experts);
        let mut body = r.body_md;
        if !body.contains("评审专家名单") {
            body.push_str("\n### 评审专家名单\n\n| 姓名 | 专业 |\n|---|---|\n");
            for e in &experts {
                body.push_str(&format!(
                    "| {} | {} |\n",
                    cell(&e["name"]),
                    cell(&e["specialty"])
                ));
            }
        }
        store::announcements::set_draft_text(
            tx,
            &id,
            (fields.to_string(), Some(source.to_string())),
            (&body, render_markdown(&body)),
            now,
        )
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Consumer for LifecycleProjection {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new(
            NAME,
            &[
                SectionRegistered::NAME,
                SectionDeadlineChanged::NAME,
                OpeningRecorded::NAME,
                BidRejected::NAME,
                CandidatesPublicized::NAME,
                AwardConfirmed::NAME,
                ContractSigned::NAME,
                SectionFailed::NAME,
                SectionTerminated::NAME,
                OrganizationRegistered::NAME,
                DealConfirmed::NAME,
                PreemptionRecorded::NAME,
                DealTermsRecorded::NAME,
                ListingFailed::NAME,
                AuctionFailed::NAME,
                DueDateRederived::NAME,
                CommitteeDisclosed::NAME,
                SectionReturnedToEvaluation::NAME,
                PrequalificationOpened::NAME,
                PrequalificationDeadlineChanged::NAME,
                PrequalificationReviewed::NAME,
                ggzy_store::calendar::IMPORTED,
            ],
        )
    }

    async fn handle(&self, tx: &mut Tx, db: &Db, clock: &Clock, ev: &Event) -> Result<()> {
        let now = clock.now();
        // Auto-drafts are dated by the event; releases by when the change happened.
        let at = from_micros(to_micros(ev.occurred_at));
        match ev.event_type.as_str() {
            ggzy_store::calendar::IMPORTED => {
                service::recheck_provisional(tx, db, now).await?;
            }
            // The open prequalification round's deadline: a change notice published before it
            // amends the prequalification documents (实施条例 第二十一条).
            PrequalificationOpened::NAME => {
                let o = PrequalificationOpened::decode(ev)?;
                let round = (o.docs_issue_at, o.docs_sale_end_at, o.applications_due_at);
                store::sections::set_prequal_round(tx, &o.section_id, Some(round)).await?;
                let s = section_of(tx, &o.section_id, o.project_id.as_deref(), None).await?;
                create_draft(tx, db, now, ev, None, &s, prequalification(&s, &o)).await?;
            }
            PrequalificationDeadlineChanged::NAME => {
                let c = PrequalificationDeadlineChanged::decode(ev)?;
                store::sections::set_prequal_due(tx, &c.section_id, Some(c.applications_due_at))
                    .await?;
                prequal_draft_moved(tx, now, &c).await?;
            }
            PrequalificationReviewed::NAME => {
                let r = PrequalificationReviewed::decode(ev)?;
                store::sections::set_prequal_round(tx, &r.section_id, None).await?;
            }
            CommitteeDisclosed::NAME => {
                let d = CommitteeDisclosed::decode(ev)?;
                if d.market.as_deref() == Some("procurement") {
                    experts_disclosed(tx, now, &d).await?;
                }
            }
            SectionReturnedToEvaluation::NAME => {
                let r = SectionReturnedToEvaluation::decode(ev)?;
                crate::voided::withdraw_result(tx, db, now, &r).await?;
            }
            DealTermsRecorded::NAME => {
                deal_publicity(tx, now, &DealTermsRecorded::decode(ev)?).await?;
            }
            DueDateRederived::NAME => {
                let r = DueDateRederived::decode(ev)?;
                if r.what == "publicity_end" {
                    publicity_end_moved(tx, db, now, &r).await?;
                }
            }
            SectionRegistered::NAME => {
                let s = SectionRegistered::decode(ev)?;
                SECTIONS.upsert(tx, &s, now).await?;
            }
            OrganizationRegistered::NAME => {
                let o = OrganizationRegistered::decode(ev)?;
                ORGS.upsert(tx, &o, now).await?;
            }
            SectionDeadlineChanged::NAME => {
                let d = SectionDeadlineChanged::decode(ev)?;
                if let Some(o) = d.new_opening_at {
                    store::sections::move_deadline(tx, &d.section_id, d.new_deadline, o, now)
                        .await?;
                }
            }
            OpeningRecorded::NAME => {
                let o = OpeningRecorded::decode(ev)?;
                let entries = o.entries.clone();
                let s = section_of(
                    tx,
                    &o.section_id,
                    o.project_id.as_deref(),
                    o.market.as_deref(),
                )
                .await?;
                let d = opening_record(&s, &o, &entries);
                create_draft(tx, db, now, ev, o.market.as_deref(), &s, d).await?;
                crate::ocds::record_opening(tx, &s, &ev.id, o.opened_at, &entries, at).await?;
            }
            BidRejected::NAME => {
                let r = BidRejected::decode(ev)?;
                let s = section_of(tx, &r.section_id, None, None).await?;
                crate::ocds::record_disqualification(tx, &s, &ev.id, &r.org_id, at).await?;
            }
            CandidatesPublicized::NAME => {
                let c = CandidatesPublicized::decode(ev)?;
                let s = section_of(
                    tx,
                    &c.section_id,
                    c.project_id.as_deref(),
                    c.market.as_deref(),
                )
                .await?;
                let d = candidate_publicity(&s, &c);
                create_draft(tx, db, now, ev, c.market.as_deref(), &s, d).await?;
            }
            AwardConfirmed::NAME => {
                let a = AwardConfirmed::decode(ev)?;
                let s = section_of(
                    tx,
                    &a.section_id,
                    a.project_id.as_deref(),
                    a.market.as_deref(),
                )
                .await?;
                let mut d = award(&s, &a);
                // A mining tender's result (矿业权招标出让) is a mining deal: its publicity too.
                let procedure = a.procedure.as_deref().or(s.procedure.as_deref());
                if d.ann_type == AnnouncementType::Deal
                    && procedure.is_some_and(crate::rules::is_mining)
                {
                    drafts::mining_publicity(&mut d, db.calendar(), a.awarded_at, now);
                }
                create_draft(tx, db, now, ev, a.market.as_deref(), &s, d).await?;
                let at = a.awarded_at.unwrap_or(at);
                crate::ocds::record_award(tx, &s, &ev.id, &a, at).await?;
            }
            // Land and property trades: drafts only (OCDS releases are for procurement,
            // docs/publishing.md).
            DealConfirmed::NAME => {
                let p = DealConfirmed::decode(ev)?;
                let s = section_of(
                    tx,
                    &p.section_id,
                    p.project_id.as_deref(),
                    p.market.as_deref(),
                )
                .await?;
                // The deal names the winner by organization: its name is this area's copy.
                let name = org_name(tx, &p.winner_org_id).await?;
                let mut co_names = Vec::new();
                for c in p.co_winners.iter().flatten() {
                    co_names.push(org_name(tx, &c.org_id).await?);
                }
                let mut d = deal(&s, &p, name, &co_names);
                if s.procedure.as_deref().is_some_and(crate::rules::is_mining) {
                    drafts::mining_publicity(&mut d, db.calendar(), p.confirmed_at, now);
                }
                create_draft(tx, db, now, ev, p.market.as_deref(), &s, d).await?;
            }
            PreemptionRecorded::NAME => {
                let p = PreemptionRecorded::decode(ev)?;
                let s = section_of(tx, &p.section_id, Some(&p.project_id), Some(&p.market)).await?;
                create_draft(tx, db, now, ev, Some(&p.market), &s, preemption(&s, &p)).await?;
            }
            ListingFailed::NAME => {
                let f = ListingFailed::decode(ev)?;
                auction_failed(tx, db, now, ev, f.into()).await?;
            }
            AuctionFailed::NAME => {
                let f = AuctionFailed::decode(ev)?;
                auction_failed(tx, db, now, ev, f).await?;
            }
            ContractSigned::NAME => {
                let c = ContractSigned::decode(ev)?;
                let s = section_of(
                    tx,
                    &c.section_id,
                    c.project_id.as_deref(),
                    c.market.as_deref(),
                )
                .await?;
                let at = c.signed_at.unwrap_or(at);
                crate::ocds::record_contract(tx, &s, &ev.id, c.signed_at, c.amount, at).await?;
            }
            SectionFailed::NAME => {
                let f = SectionFailed::decode(ev)?;
                let s = section_of(
                    tx,
                    &f.section_id,
                    f.project_id.as_deref(),
                    f.market.as_deref(),
                )
                .await?;
                let facts = Failure {
                    reason: f.reason.clone(),
                    bid_count: f.bid_count,
                    qualified_count: f.qualified_count,
                    basis: f.basis.clone(),
                };
                let d = failure(&s, &facts, false);
                create_draft(tx, db, now, ev, f.market.as_deref(), &s, d).await?;
                crate::ocds::record_failure(tx, &s, &ev.id, false, at).await?;
            }
            SectionTerminated::NAME => {
                let t = SectionTerminated::decode(ev)?;
                let s = section_of(
                    tx,
                    &t.section_id,
                    t.project_id.as_deref(),
                    t.market.as_deref(),
                )
                .await?;
                let facts = Failure {
                    reason: t.reason.clone(),
                    bid_count: None,
                    qualified_count: None,
                    basis: None,
                };
                let d = failure(&s, &facts, true);
                create_draft(tx, db, now, ev, t.market.as_deref(), &s, d).await?;
                crate::ocds::record_failure(tx, &s, &ev.id, true, at).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

async fn auction_failed(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
    f: AuctionFailed,
) -> Result<()> {
    let s = section_of(
        tx,
        &f.section_id,
        f.project_id.as_deref(),
        f.market.as_deref(),
    )
    .await?;
    let d = auction_failure(&s, &f);
    create_draft(tx, db, now, ev, f.market.as_deref(), &s, d).await
}

/// What a failure or termination notice says (`projects.section.failed` / `terminated`).
pub(super) struct Failure {
    reason: Option<String>,
    bid_count: Option<i64>,
    qualified_count: Option<i64>,
    basis: Option<String>,
}

#[cfg(test)]
mod tests;
