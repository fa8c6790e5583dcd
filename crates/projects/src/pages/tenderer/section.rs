//! A section: candidate publicity, objections (a link to the remedies pages), award and contract.

use super::*;

// A section: candidate publicity, objections (a link to the remedies pages), award and contract.

pub(super) struct CandidateView {
    rank: i64,
    org_id: String,
    name: String,
    price: String,
    score: String,
}

pub(super) struct AwardView {
    notice_no: String,
    winner: String,
    price: String,
    awarded_at: String,
    contract_due_at: String,
    contract_due_at_provisional: bool,
    contract: Option<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "tenderer/section.html")]
pub(super) struct SectionPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    p: &'a Project,
    s: &'a Section,
    state: &'static str,
    /// Start, end and whether the end is provisional (a year without a holiday schedule).
    publicity: Option<(String, String, bool)>,
    candidates: Vec<CandidateView>,
    award: Option<AwardView>,
    can_award: bool,
    can_contract: bool,
    form: FormState,
    notice: Option<&'static str>,
    /// Re-tender after 流标 (crate::retender): the links both ways and whether the button shows.
    retender: crate::retender::RetenderLinks,
    can_retender: bool,
    /// The procedures a re-tender may change to: (value, label), the current one first.
    retender_procedures: Vec<(String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct SectionQuery {
    #[serde(default)]
    done: String,
}

/// Read what the section page shows; the project is read through `service::get`, which refuses
/// another organization's project (403), and the section must be one of its own (404).
pub(super) async fn render_section(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    sid: &str,
    status: StatusCode,
    form: FormState,
    done: &str,
) -> Result<Response, Response> {
    let l = a.chrome.lang;
    let err = |e: Error| error_page(&a.chrome, &e);
    let p = service::get(ctx, &a.actor, id).await.map_err(err)?;
    let s = p
        .sections
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| err(Error::not_found(format!("section {sid} of this project"))))?;
    let publicity = match award::get_publicity(ctx, &a.actor, sid).await {
        Ok(x) => Some(x),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(err(e)),
    };
    let award = match award::get_award(ctx, &a.actor, sid).await {
        Ok(x) => Some(x),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(err(e)),
    };
    let retender = crate::retender::get_links(ctx, &a.actor, sid)
        .await
        .map_err(err)?;
    let state = state_str(&s.state);
    let notice = match done {
        "awarded" => Some(l.t(
            "已定标，中标通知书已生成。",
            "Awarded; the award notice is issued.",
        )),
        "contracted" => Some(l.t("合同已登记。", "The contract is recorded.")),
        "retendered" => Some(l.t(
            "已重新招标登记，新标段见下方链接。",
            "Tendered again; the new section is linked below.",
        )),
        _ => None,
    };
    let can_retender = state == "failed" && retender.retendered_by.is_none();
    let retender_procedures = std::iter::once(p.procedure)
        .chain(
            crate::rules::Procedure::ALL
                .into_iter()
                .filter(|x| *x != p.procedure && x.check_market(p.market).is_ok()),
        )
        .map(|x| {
            (
                x.as_str().to_string(),
                procedure_label(x.as_str(), l).to_string(),
            )
        })
        .collect();
    let page = SectionPage {
        c: &a.chrome,
        lang: l,
        p: &p,
        s,
        state: section_state_label(&state, l),
        publicity: publicity.as_ref().map(|x| {
            (
                fmt::beijing_time(&x.publicity_starts_at),
                fmt::beijing_time(&x.publicity_ends_at),
                x.publicity_ends_at_provisional,
            )
        }),
        candidates: publicity
            .as_ref()
            .map(|x| {
                x.candidates
                    .iter()
                    .map(|c| CandidateView {
                        rank: c.rank,
                        org_id: c.org_id.clone(),
                        name: c.org_name.clone(),
                        price: fmt::money(&c.price),
                        score: c.score.clone().unwrap_or_else(|| "—".into()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        award: award.as_ref().map(|w| AwardView {
            notice_no: w.notice_no.clone(),
            winner: w.winner_name.clone(),
            price: fmt::money(&w.price),
            awarded_at: fmt::beijing_time(&w.awarded_at),
            contract_due_at: fmt::beijing_time(&w.contract_due_at),
            contract_due_at_provisional: w.contract_due_at_provisional,
            contract: w.contract.as_ref().map(|c| {
                (
                    c.signed_on.format("%Y-%m-%d").to_string(),
                    fmt::money(&c.amount),
                    c.late,
                )
            }),
        }),
        can_award: state == "publicizing",
        can_contract: state == "awarded",
        form,
        notice,
        retender,
        can_retender,
        retender_procedures,
    };
    Ok(page_status(&a.chrome, status, &s.name, &page))
}

/// `GET /tenderer/projects/{id}/sections/{sid}`.
pub(super) async fn section_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query<SectionQuery>,
) -> Result<Response, Response> {
    a.require(ROLES)?;
    render_section(
        &ctx,
        &a,
        &id,
        &sid,
        StatusCode::OK,
        FormState::new(),
        &q.done,
    )
    .await
}

pub(super) fn section_href(id: &str, sid: &str, done: &str) -> String {
    format!("/tenderer/projects/{id}/sections/{sid}?done={done}")
}

#[derive(Debug, Deserialize)]
pub(super) struct AwardForm {
    #[serde(default)]
    winner_org_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST …/award` (CSRF-checked): `award::confirm_award` (定标, 中标通知书), as `POST
/// /api/v1/sections/{id}/award`; the first candidate unless another is chosen with a reason.
pub(super) async fn confirm_award(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<AwardForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let input = AwardInput {
        winner_org_id: Some(f.form.winner_org_id.clone()).filter(|w| !w.is_empty()),
        reason: Some(f.form.reason.clone()).filter(|r| !r.trim().is_empty()),
    };
    match award::confirm_award(&ctx, &a.actor, &sid, input).await {
        Ok(_) => Ok(see_other(&section_href(&id, &sid, "awarded"))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values([
                ("winner_org_id", f.form.winner_org_id),
                ("reason", f.form.reason),
            ]);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ContractForm {
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    amount: String,
}

/// `POST …/contract` (CSRF-checked): `award::record_contract`, as `POST
/// /api/v1/sections/{id}/contract`.
pub(super) async fn record_contract(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<ContractForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let values = [
        ("signed_on", f.form.signed_on.clone()),
        ("amount", f.form.amount.clone()),
    ];
    let mut errs = Vec::new();
    let signed_on = NaiveDate::parse_from_str(f.form.signed_on.trim(), "%Y-%m-%d")
        .map_err(|_| {
            errs.push(FieldError::new(
                "signed_on",
                if f.form.signed_on.trim().is_empty() {
                    "required"
                } else {
                    "type"
                },
                "enter the signing date (YYYY-MM-DD)",
            ))
        })
        .ok();
    let amount = Money::parse_str(&f.form.amount.replace(',', ""))
        .map_err(|e| errs.push(FieldError::new("amount", e.rule, e.message)))
        .ok();
    let result = match (signed_on, amount) {
        (Some(signed_on), Some(amount)) if errs.is_empty() => {
            award::record_contract(
                &ctx,
                &a.actor,
                &sid,
                ContractInput {
                    signed_on,
                    amount,
                    performance_security: None,
                },
            )
            .await
        }
        _ => Err(Error::Validation(errs)),
    };
    match result {
        Ok(_) => Ok(see_other(&section_href(&id, &sid, "contracted"))),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(values);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RetenderForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    docs_issue_at: String,
    #[serde(default)]
    docs_sale_end_at: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    approval_document: String,
    #[serde(default)]
    approved_by: String,
    #[serde(default)]
    approved_on: String,
}

/// `POST …/retender` (CSRF-checked): `retender::retender` (重新招标 after 流标), as `POST
/// /api/v1/sections/{id}/retender`; the bids are opened at the deadline. Goes to the new section.
pub(super) async fn retender_section(
    State(ctx): State<Ctx>,
    Path((id, sid)): Path<(String, String)>,
    f: CsrfForm<RetenderForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(ROLES)?;
    let p = service::get(&ctx, &a.actor, &id)
        .await
        .map_err(|e| error_page(&a.chrome, &e))?;
    if !p.sections.iter().any(|s| s.id == sid) {
        return Err(error_page(
            &a.chrome,
            &Error::not_found(format!("section {sid} of this project")),
        ));
    }
    let r = &f.form;
    let values = [
        ("reason", r.reason.clone()),
        ("docs_issue_at", r.docs_issue_at.clone()),
        ("docs_sale_end_at", r.docs_sale_end_at.clone()),
        ("bid_deadline", r.bid_deadline.clone()),
        ("procedure", r.procedure.clone()),
        ("approval_document", r.approval_document.clone()),
        ("approved_by", r.approved_by.clone()),
        ("approved_on", r.approved_on.clone()),
    ];
    let mut errs = Vec::new();
    let mut time = |field: &str, v: &str| {
        let t = parse_local(v);
        if t.is_none() {
            errs.push(FieldError::new(
                field,
                if v.trim().is_empty() {
                    "required"
                } else {
                    "type"
                },
                "enter a date and time (Beijing time)",
            ));
        }
        t
    };
    let issue = time("docs_issue_at", &r.docs_issue_at);
    let sale_end = time("docs_sale_end_at", &r.docs_sale_end_at);
    let deadline = time("bid_deadline", &r.bid_deadline);
    // When the page refuses the times itself the use case is not called: name the missing reason
    // too, so one submit lists everything wrong (the use case's rule, the same message).
    if !errs.is_empty() && r.reason.trim().is_empty() {
        errs.push(FieldError::new(
            "reason",
            "required",
            "the reason of the re-tender (1–2000 characters)",
        ));
    }
    let procedure = Some(r.procedure.trim().to_string()).filter(|x| !x.is_empty());
    let changed = procedure
        .as_deref()
        .is_some_and(|x| x != p.procedure.as_str());
    let approval = if changed {
        let on = NaiveDate::parse_from_str(r.approved_on.trim(), "%Y-%m-%d").ok();
        match on {
            Some(approved_on) => Some(crate::retender::Approval {
                document: r.approval_document.clone(),
                approved_by: r.approved_by.clone(),
                approved_on,
            }),
            None if r.approved_on.trim().is_empty() => None,
            None => {
                errs.push(FieldError::new(
                    "approved_on",
                    "type",
                    "enter the approval's date (YYYY-MM-DD)",
                ));
                None
            }
        }
    } else {
        None
    };
    let result = match (issue, sale_end, deadline) {
        (Some(docs_issue_at), Some(docs_sale_end_at), Some(bid_deadline)) if errs.is_empty() => {
            crate::retender::retender(
                &ctx,
                &a.actor,
                &sid,
                crate::retender::NewRetender {
                    reason: r.reason.clone(),
                    docs_issue_at,
                    docs_sale_end_at,
                    bid_deadline,
                    opening_at: bid_deadline,
                    procedure,
                    approval,
                },
            )
            .await
        }
        _ => Err(Error::Validation(errs)),
    };
    match result {
        Ok(r) => Ok(see_other(&section_href(&id, &r.section.id, "retendered"))),
        Err(e) => {
            // The API names the approval's fields `approval.*`; the form's are flat.
            let e = match e {
                Error::Validation(v) => Error::Validation(
                    v.into_iter()
                        .map(|mut x| {
                            x.field = match x.field.as_str() {
                                "approval" | "approval.document" => "approval_document".into(),
                                "approval.approved_by" => "approved_by".into(),
                                "approval.approved_on" => "approved_on".into(),
                                _ => x.field,
                            };
                            x
                        })
                        .collect(),
                ),
                e => e,
            };
            let form = FormState::from_error(&e).with_values(values);
            render_section(&ctx, &a, &id, &sid, e.status(), form, "").await
        }
    }
}
