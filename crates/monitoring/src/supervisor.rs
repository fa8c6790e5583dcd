//! The supervisors' pages (`/supervisor/…`, issue 22 item 3): the live dashboard with
//! organizations by name, alert cases handled on the page (acknowledge, note, resolve, dismiss),
//! evidence as text with links to the events, a section's full history, the audit-chain check with
//! the latest transparency checkpoint, the daily reports and the rule catalogue with thresholds
//! editable within their bounds.
//!
//! Every page is one call to the same use case as the API (`alerts::handle`, `alerts::update_rule`,
//! `stats::generate_report`, `outbox::verify_chain`); forms are CSRF-checked by the frame
//! ([`CsrfForm`]) and a refusal is shown next to the field it names with its rule id.
//!
//! Names: monitoring keeps its own copy of organization names (`mon_orgs`, from
//! `identity.organization.registered`); it never reads identity's tables. Before a section's bid
//! deadline the bidders behind an alert are withheld (招标投标法 第二十二条, docs/security.md):
//! their ids are replaced by "withheld" and the evidence and the events tracing a bidder are shown
//! redacted, exactly as the API's log views (`ggzy_store::disclosure`).

use crate::alerts::{self, Action, Alert, AlertFilter, HandleAlert};
use crate::page::{self, DashboardPage};
use crate::rules::{self, RuleConfig, RuleOverride, Severity};
use crate::stats::{self, StatsParams};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::events::Event;
use ggzy_core::{Error, Result};
use ggzy_identity::Role;
use ggzy_store::{disclosure, outbox, tlog, Ctx};
use ggzy_web::fmt::beijing_time;
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod alert_cases;
mod history;
mod reports;
mod rule_pages;
pub use self::alert_cases::*;
pub use self::history::*;
use self::reports::*;
pub use self::rule_pages::*;

/// Who uses these pages.
const SUPERVISOR: [Role; 1] = [Role::Supervisor];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/supervisor", get(home))
        .route("/supervisor/alerts", get(alerts_page))
        .route("/supervisor/alerts/{id}", get(alert_page))
        .route("/supervisor/alerts/{id}/{action}", post(alert_action))
        .route("/supervisor/events/{id}", get(event_page))
        .route("/supervisor/sections/{id}", get(section_page))
        .route("/supervisor/audit", get(audit_page))
        .route("/supervisor/reports", get(reports_page).post(build_report))
        .route("/supervisor/rules", get(rules_page))
        .route("/supervisor/rules/{id}", get(rule_page).post(rule_save))
}

fn links(l: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/supervisor/alerts", l.t("预警处置", "Alert cases")),
        ("/supervisor/remedies", l.t("投诉处理", "Complaints")),
        (
            "/supervisor/award-reports",
            l.t("招标投标情况书面报告", "Written reports"),
        ),
        ("/supervisor/rules", l.t("预警规则", "Rule catalogue")),
        ("/supervisor/audit", l.t("审计链校验", "Audit chain check")),
        ("/supervisor/reports", l.t("日报", "Daily reports")),
        (
            "/staff/capital-increases",
            l.t("企业增资", "Capital increases"),
        ),
    ]
}

// ------------------------------------------------------------------ names

/// Organization names monitoring knows, by id, with whether the organization is a bidder-side
/// one (withheld before the deadline).
pub struct Names {
    orgs: HashMap<String, (String, bool)>,
}

impl Names {
    pub async fn load(ctx: &Ctx) -> Result<Names> {
        let rows = crate::store::sections::orgs(&ctx.db).await?;
        let mut orgs = HashMap::with_capacity(rows.len());
        for r in rows {
            let bidder_side = !matches!(
                r.kind.as_deref(),
                Some("tenderer" | "agency" | "centre" | "supervisor" | "bank")
            );
            orgs.insert(r.id, (r.name, bidder_side));
        }
        Ok(Names { orgs })
    }

    /// The name of an organization id, or what to show instead before the deadline.
    fn name(&self, id: &str, reveal: bool, l: Lang) -> Option<String> {
        let (name, bidder_side) = self.orgs.get(id)?;
        Some(if reveal || !bidder_side {
            name.clone()
        } else {
            l.t(
                "（投标人身份截止前保密）",
                "(bidder withheld until the deadline)",
            )
            .to_string()
        })
    }

    /// `text` with every organization id replaced by its name (or "withheld").
    pub fn humanize(&self, text: &str, reveal: bool, l: Lang) -> String {
        let mut out = String::with_capacity(text.len());
        let mut token = String::new();
        let flush = |token: &mut String, out: &mut String| {
            if !token.is_empty() {
                // `dev-<id>`, `b-<id>`: the dashes around an id are not part of it.
                let core = token.trim_matches('-');
                let lead = token.len() - token.trim_start_matches('-').len();
                match self.name(core, reveal, l) {
                    Some(n) => {
                        out.push_str(&token[..lead]);
                        out.push_str(&n);
                        out.push_str(&token[lead + core.len()..]);
                    }
                    None => out.push_str(token),
                }
                token.clear();
            }
        };
        for ch in text.chars() {
            if ch.is_ascii_hexdigit() || ch == '-' {
                token.push(ch);
            } else {
                flush(&mut token, &mut out);
                out.push(ch);
            }
        }
        flush(&mut token, &mut out);
        out
    }
}

/// An alert's sentence as a supervisor may read it now: organization ids by name; before the
/// deadline a collusion finding (the shared address, device, account… and the bidders sharing
/// it) is withheld altogether, the rest with the bidders withheld.
pub fn shown_message(names: &Names, a: &Alert, reveal: bool, l: Lang) -> String {
    if !reveal && a.rule_id.starts_with("collusion.") {
        return l
            .t(
                "共同特征及涉及的投标人在投标截止前保密",
                "the shared trace and the bidders sharing it are withheld until the bid deadline",
            )
            .to_string();
    }
    names.humanize(message(a, l), reveal, l)
}

/// Sections among `ids` whose deadline has passed (identities may be shown).
async fn closed(ctx: &Ctx, ids: impl Iterator<Item = String>) -> Result<BTreeSet<String>> {
    let ids: BTreeSet<String> = ids.collect();
    disclosure::closed_sections(&ctx.db, &ids).await
}

/// The dashboard's alert list with names (or "withheld") and, for a supervisor, links to the cases.
pub async fn name_alerts(
    ctx: &Ctx,
    l: Lang,
    alerts: &[Alert],
    v: &mut DashboardPage,
) -> Result<()> {
    let names = Names::load(ctx).await?;
    let open = closed(ctx, alerts.iter().filter_map(|a| a.section_id.clone())).await?;
    for (row, a) in v.alerts.iter_mut().zip(alerts) {
        let reveal = a.section_id.as_ref().is_some_and(|s| open.contains(s));
        row.message = shown_message(&names, a, reveal, l);
    }
    Ok(())
}

/// A section as people name it: project code and section name (monitoring's own copy).
async fn section_label(ctx: &Ctx, id: &str) -> Result<Option<String>> {
    let r = crate::store::sections::label(&ctx.db, id).await?;
    Ok(match r {
        Some(r) => {
            let parts: Vec<String> = [r.project_code, r.project_name, r.section_name]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        None => None,
    })
}

// ------------------------------------------------------------------ home

/// `GET /supervisor`: the live dashboard (as `/monitoring`) with the supervisor's pages linked
/// and the alerts leading to their cases.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let l = a.chrome.lang;
    let data = async {
        let d = stats::dashboard(&ctx, &a.actor).await?;
        let st = stats::stats(&ctx.db, &StatsParams::default()).await?;
        let mut v = page::view(l, &d, &st);
        name_alerts(&ctx, l, &d.latest_alerts, &mut v).await?;
        for row in &mut v.alerts {
            row.href = Some(format!("/supervisor/alerts/{}", row.id));
        }
        v.links = links(l);
        Ok::<_, Error>(v)
    }
    .await;
    match data {
        Ok(v) => frame::page(&a.chrome, l.t("监管工作台", "Supervisor's workbench"), &v),
        Err(e) => a.error(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_names_or_are_withheld_before_the_deadline() {
        let mut orgs = HashMap::new();
        orgs.insert(
            "0190a0b1-0000-7000-8000-000000000001".to_string(),
            ("甲建设公司".to_string(), true),
        );
        orgs.insert(
            "0190a0b1-0000-7000-8000-000000000002".to_string(),
            ("某区住建局".to_string(), false),
        );
        let n = Names { orgs };
        let text = "2家：0190a0b1-0000-7000-8000-000000000001、0190a0b1-0000-7000-8000-000000000002 (10.0.0.1)";
        let shown = n.humanize(text, true, Lang::Zh);
        assert_eq!(shown, "2家：甲建设公司、某区住建局 (10.0.0.1)");
        assert_eq!(
            n.humanize("dev-0190a0b1-0000-7000-8000-000000000001-", true, Lang::Zh),
            "dev-甲建设公司-"
        );
        let withheld = n.humanize(text, false, Lang::Zh);
        assert!(!withheld.contains("甲建设公司") && !withheld.contains("0000-7000"));
        assert!(withheld.contains("某区住建局"), "{withheld}");
    }

    #[test]
    fn evidence_event_ids_become_links_and_values_text() {
        let n = Names {
            orgs: HashMap::new(),
        };
        let ev = serde_json::json!({"value": "10.0.0.1", "event_ids": ["e1", "e2"]});
        let lines = evidence_lines(&ev, &n, true, Lang::En);
        let ev_line = lines.iter().find(|x| x.label == "events").expect("events");
        assert_eq!(ev_line.links[1].0, "/supervisor/events/e2");
        let v = lines.iter().find(|x| x.label == "shared value").expect("v");
        assert_eq!(v.text, "10.0.0.1");
    }
}
