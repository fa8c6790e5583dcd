//! The bidder's workbench pages (`/bidder/…`) on the ggzy-web frame. Each page makes one call to
//! the same use case as the API (docs/web.md, "How an area adds a page").

// Handlers answer `Result<Response, Response>` (axum's idiom; the error is the page to send).
#![allow(clippy::result_large_err)]

use crate::workbench::{self, OpenSection};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::http::Path;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt;
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/bidder", get(home))
        .route("/bidder/sections/{id}/register", post(register))
        .route("/bidder/sections/{id}/opening", get(opening_page))
        .route("/bidder/sections/{id}/opening/key", post(opening_key))
        .route("/bidder/sections/{id}/opening/events", get(opening_events))
        .route(
            "/bidder/sections/{id}/bid",
            get(seal_page)
                .put(upload_bid)
                .layer(axum::extract::DefaultBodyLimit::max(
                    usize::try_from(crate::bids::max_bid_bytes()).unwrap_or(usize::MAX),
                )),
        )
        .merge(crate::receipt_pages::router())
        .merge(crate::result_pages::router())
        .merge(crate::qualification_pages::router())
        .merge(crate::award_report_pages::router())
}

/// A market's name for people.
pub fn market_label(m: &str, l: Lang) -> &'static str {
    match m {
        "construction" => l.t("工程建设", "Construction"),
        "procurement" => l.t("政府采购", "Government procurement"),
        "land" => l.t("土地使用权", "Land use rights"),
        "property" => l.t("产权交易", "Property rights"),
        _ => l.t("其他", "Other"),
    }
}

const MARKETS: [&str; 4] = ["construction", "procurement", "land", "property"];

#[derive(Debug, Deserialize, Default)]
struct HomeQuery {
    #[serde(default)]
    market: String,
    /// The section just registered for (after the form's redirect).
    #[serde(default)]
    registered: String,
}

#[derive(Template)]
#[template(path = "bidder/home.html")]
struct HomePage<'a> {
    c: &'a Chrome,
    lang: Lang,
    sections: &'a [OpenSection],
    market: &'a str,
    markets: Vec<(String, String)>,
    form: FormState,
    just_registered: Option<&'a OpenSection>,
    /// The caller's invitations (投标邀请).
    invitations: &'a [workbench::BidInvitation],
}

impl HomePage<'_> {
    fn market_label(&self, m: &str) -> &'static str {
        market_label(m, self.lang)
    }
    fn procedure_label(&self, p: &str) -> &'static str {
        crate::pages::tenderer::procedure_label(p, self.lang)
    }
    fn deadline(&self, s: &OpenSection) -> String {
        fmt::beijing_time(&s.bid_deadline)
    }
    fn deadline_attr(&self, s: &OpenSection) -> String {
        fmt::datetime_attr(&s.bid_deadline)
    }
    fn deposit(&self, s: &OpenSection) -> String {
        fmt::money(&s.deposit)
    }
    fn invitation_source(&self, i: &workbench::BidInvitation) -> &'static str {
        match i.source.as_str() {
            "letter" => self.lang.t("投标邀请书", "Invitation letter"),
            "draw" => self.lang.t("供应商库随机抽取", "Random draw"),
            "purchaser" => self.lang.t("采购人书面推荐", "Purchaser's recommendation"),
            "expert" => self.lang.t("评审专家书面推荐", "Expert's recommendation"),
            _ => self.lang.t("邀请", "Invitation"),
        }
    }
    fn invitation_deadline(&self, i: &workbench::BidInvitation) -> String {
        fmt::beijing_time(&i.bid_deadline)
    }
    fn invited_at(&self, i: &workbench::BidInvitation) -> String {
        fmt::beijing_time(&i.invited_at)
    }
    fn registered_at(&self, s: &OpenSection) -> String {
        s.registered_at
            .as_ref()
            .map(fmt::beijing_time)
            .unwrap_or_default()
    }
}

fn render_home(
    a: &PageActor,
    status: StatusCode,
    (sections, invitations): (&[OpenSection], &[workbench::BidInvitation]),
    q: &HomeQuery,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    let mut markets = vec![(String::new(), l.t("全部市场", "All markets").to_string())];
    markets.extend(
        MARKETS
            .iter()
            .map(|m| (m.to_string(), market_label(m, l).to_string())),
    );
    let page = HomePage {
        c: &a.chrome,
        lang: l,
        sections,
        market: &q.market,
        markets,
        form,
        just_registered: sections
            .iter()
            .find(|s| s.section_id == q.registered && s.registered_at.is_some()),
        invitations,
    };
    ggzy_web::frame::page_status(
        &a.chrome,
        status,
        l.t("投标人工作台", "Bidder's workbench"),
        &page,
    )
}

/// `GET /bidder`: the sections open for registration (filter by market), each with its deadline
/// in Beijing time and a live countdown, the deposit, and the caller's registration or the
/// button to register.
async fn home(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<HomeQuery>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let invitations = workbench::my_invitations(&ctx, &a.actor)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    match workbench::open_sections(&ctx, &a.actor, Some(&q.market)).await {
        Ok(list) => Ok(render_home(
            &a,
            StatusCode::OK,
            (&list, &invitations),
            &q,
            FormState::new(),
        )),
        Err(e @ ggzy_core::Error::Validation(_)) => Ok(render_home(
            &a,
            e.status(),
            (&[], &invitations),
            &HomeQuery::default(),
            FormState::from_error(&e),
        )),
        Err(e) => Err(ggzy_web::frame::error_page(&a.chrome, &e)),
    }
}

#[derive(Debug, Deserialize)]
struct RegisterForm {}

/// `POST /bidder/sections/{id}/register` (CSRF-checked): register (报名) through the same use case
/// as `POST /api/v1/sections/{id}/registrations`; refused → the workbench with the reason and rule.
async fn register(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<RegisterForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    match crate::bidding::register(&ctx, &a.actor, &id).await {
        Ok(_) => Ok(ggzy_web::frame::see_other(&ggzy_web::lang::href(
            "/bidder",
            &[("registered", &id)],
        ))),
        Err(e) => {
            let list = workbench::open_sections(&ctx, &a.actor, None)
                .await
                .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
            let invitations = workbench::my_invitations(&ctx, &a.actor)
                .await
                .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
            Ok(render_home(
                &a,
                e.status(),
                (&list, &invitations),
                &HomeQuery::default(),
                FormState::from_error(&e),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "bidder/seal.html")]
struct SealPage<'a> {
    lang: Lang,
    s: &'a OpenSection,
    csrf: &'a str,
    deadline: String,
    deadline_attr: String,
    seal_js: String,
}

/// `GET /bidder/sections/{id}/bid`: seal (AES-256-GCM + SHA-256, `ggzy-bid/1`) and upload a bid in
/// the browser (static/seal.js of ggzy-web). The key stays with the bidder.
async fn seal_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let list = workbench::open_sections(&ctx, &a.actor, None)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let Some(s) = list.iter().find(|s| s.section_id == id) else {
        return Err(ggzy_web::frame::error_page(
            &a.chrome,
            &ggzy_core::Error::conflict(
                "bid.section_not_bidding",
                "this section does not take bids now (not in bidding, or past its deadline)",
            ),
        ));
    };
    if s.registered_at.is_none() {
        return Err(ggzy_web::frame::error_page(
            &a.chrome,
            &ggzy_core::Error::conflict(
                "bid.not_registered",
                "register (报名) for this section on the workbench before sealing a bid",
            ),
        ));
    }
    let l = a.chrome.lang;
    let page = SealPage {
        lang: l,
        s,
        csrf: a.chrome.csrf.as_deref().unwrap_or(""),
        deadline: fmt::beijing_time(&s.bid_deadline),
        deadline_attr: fmt::datetime_attr(&s.bid_deadline),
        seal_js: ggzy_web::assets::href("seal.js"),
    };
    Ok(ggzy_web::page(
        &a.chrome,
        l.t("密封投标", "Seal a bid"),
        &page,
    ))
}

/// `PUT /bidder/sections/{id}/bid`: the sealed package from the page's script (CSRF token in
/// `X-CSRF-Token`), through the same use case as `PUT /api/v1/sections/{id}/bids/mine`. Answers
/// the signed receipt as JSON, or the problem document.
async fn upload_bid(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Response> {
    use axum::response::IntoResponse;
    a.check_csrf_header(&headers)?;
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let meta = crate::bids::UploadMeta {
        plaintext_digest: h("x-bid-digest").unwrap_or_default(),
        device_fingerprint: None,
        file_creator: h("user-agent").map(|u| u.chars().take(200).collect()),
        ip: a.ip.clone(),
        project_manager_id: None,
        representative_id: None,
    };
    match crate::bids::upload(
        &ctx,
        &a.actor,
        &id,
        meta,
        body.into_data_stream(),
        crate::bids::max_bid_bytes(),
    )
    .await
    {
        Ok(crate::bids::Uploaded::Created(r)) => {
            Ok((StatusCode::CREATED, ggzy_core::http::Json(r)).into_response())
        }
        Ok(crate::bids::Uploaded::Repeated(r)) => {
            Ok((StatusCode::OK, ggzy_core::http::Json(r)).into_response())
        }
        Err(e) => Err(e.into_response()),
    }
}

#[derive(Template)]
#[template(path = "bidder/opening.html")]
struct OpeningPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    v: &'a workbench::OpeningView,
    form: FormState,
    decrypted_price: Option<String>,
    opening_js: String,
}

impl OpeningPage<'_> {
    fn price(&self, p: &Option<String>) -> String {
        p.as_deref()
            .and_then(|p| p.parse::<rust_decimal::Decimal>().ok())
            .map(|d| fmt::yuan(&d))
            .unwrap_or_else(|| "—".into())
    }
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::beijing_time_s(t)
    }
    fn attr(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        fmt::datetime_attr(t)
    }
    fn phase_label(&self) -> &'static str {
        let l = self.lang;
        match self.v.phase.as_str() {
            "before" => l.t("尚未开标", "not opened yet"),
            "window" => l.t(
                "解密窗口开放中，请提交密钥",
                "the decryption window is open: give your key",
            ),
            "recorded" => l.t("开标记录已生成", "the opening record is recorded"),
            _ => l.t("未开标（流标或终止）", "not opened (failed or terminated)"),
        }
    }
    fn my_decryption(&self) -> &'static str {
        let l = self.lang;
        match self.v.my_decryption.as_deref() {
            None => l.t("无有效投标文件", "no current bid"),
            Some("sealed") => l.t("未解密", "sealed"),
            Some("decrypted") => l.t("已解密", "decrypted"),
            Some("digest_mismatch") => l.t("摘要不符", "digest mismatch"),
            Some(_) => l.t("不予解密", "not decrypted"),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct OpeningQuery {
    #[serde(default)]
    price: String,
}

async fn render_opening(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: FormState,
    decrypted_price: Option<String>,
) -> Result<Response, Response> {
    let v = workbench::opening_view(ctx, &a.actor, id)
        .await
        .map_err(|e| ggzy_web::frame::error_page(&a.chrome, &e))?;
    let l = a.chrome.lang;
    let page = OpeningPage {
        c: &a.chrome,
        lang: l,
        v: &v,
        form,
        decrypted_price,
        opening_js: ggzy_web::assets::href("opening.js"),
    };
    Ok(ggzy_web::frame::page_status(
        &a.chrome,
        status,
        l.t("开标", "Opening"),
        &page,
    ))
}

/// `GET /bidder/sections/{id}/opening`: the opening's phase (before, decryption window with its
/// countdown, recorded), the form to give the key (pasted, or the key file) during the window,
/// and the opening record (开标记录) once recorded. Live through
/// `/bidder/sections/{id}/opening/events` (static/opening.js); without script, reload.
async fn opening_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
    Query(q): Query<OpeningQuery>,
) -> Result<Response, Response> {
    a.require(&[Role::Bidder])?;
    let price = (!q.price.is_empty()).then_some(q.price);
    render_opening(&ctx, &a, &id, StatusCode::OK, FormState::new(), price).await
}

/// What the live stream says: the parts of [`workbench::OpeningView`] that change.
fn opening_event(v: &workbench::OpeningView) -> serde_json::Value {
    serde_json::json!({
        "phase": v.phase,
        "state": v.state,
        "window_ends_at": v.window_ends_at.as_ref().map(fmt::datetime_attr),
        "my_decryption": v.my_decryption,
        "recorded": v.record.is_some(),
    })
}

/// `GET /bidder/sections/{id}/opening/events`: server-sent events (`event: opening`, JSON data:
/// phase, section state, end of the decryption window, the caller's decryption, recorded) — one
/// at once and one on every change (checked each second), ending after the record is recorded.
async fn opening_events(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::IntoResponse;
    a.require(&[Role::Bidder])?;
    // Refused at once (404, 403) rather than inside the stream.
    let first = workbench::opening_view(&ctx, &a.actor, &id)
        .await
        .map_err(|e| e.into_response())?;
    struct Follow {
        ctx: Ctx,
        actor: ggzy_identity::Actor,
        id: String,
        last: Option<serde_json::Value>,
        pending: Option<serde_json::Value>,
        done: bool,
    }
    let start = Follow {
        ctx,
        actor: a.actor,
        id,
        last: None,
        pending: Some(opening_event(&first)),
        done: false,
    };
    let s = futures::stream::unfold(start, |mut f| async move {
        loop {
            if let Some(ev) = f.pending.take() {
                f.done = ev["recorded"] == true;
                f.last = Some(ev.clone());
                let e = Event::default().event("opening").data(ev.to_string());
                return Some((Ok::<_, std::convert::Infallible>(e), f));
            }
            if f.done {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let v = workbench::opening_view(&f.ctx, &f.actor, &f.id)
                .await
                .ok()?;
            let ev = opening_event(&v);
            if f.last.as_ref() != Some(&ev) {
                f.pending = Some(ev);
            }
        }
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::default()).into_response())
}

#[derive(Debug, Deserialize)]
struct KeyForm {
    #[serde(default)]
    key: String,
}

/// `POST /bidder/sections/{id}/opening/key` (CSRF-checked): the same use case as
/// `POST /api/v1/sections/{id}/bids/mine/key`; a wrong key is shown next to the field with its rule.
async fn opening_key(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<KeyForm>,
) -> Result<Response, Response> {
    let a = f.actor;
    a.require(&[Role::Bidder])?;
    let input = crate::opening::KeySubmission {
        key: key_of(&f.form.key),
    };
    match crate::opening::submit_key(&ctx, &a.actor, &id, input).await {
        Ok(o) => Ok(ggzy_web::frame::see_other(&ggzy_web::lang::href(
            &format!("/bidder/sections/{id}/opening"),
            &[("price", o.price.as_deref().unwrap_or(""))],
        ))),
        Err(e) => {
            let status = e.status();
            render_opening(&ctx, &a, &id, status, FormState::from_error(&e), None).await
        }
    }
}

pub mod tenderer;
/// The key as given: the base64 key itself, or the whole `ggzy-bid-key/1` key file (pasted, or
/// read from the chosen file by static/opening.js), whose `key` is taken.
fn key_of(given: &str) -> String {
    let t = given.trim();
    if t.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
            if v["format"] == "ggzy-bid-key/1" {
                if let Some(k) = v["key"].as_str() {
                    return k.trim().to_string();
                }
            }
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_file_gives_its_key_and_anything_else_is_passed_on() {
        let file = r#"{"format":"ggzy-bid-key/1","suite":"aes-256-gcm+sha256","key":"q83vEjRWeJA=","digest":"ab"}"#;
        assert_eq!(super::key_of(file), "q83vEjRWeJA=");
        assert_eq!(super::key_of("  q83vEjRWeJA=\n"), "q83vEjRWeJA=");
        // Another format's JSON is not unpacked: the use case refuses it as a key.
        let other = r#"{"format":"x","key":"q83vEjRWeJA="}"#;
        assert_eq!(super::key_of(other), other);
    }
}
