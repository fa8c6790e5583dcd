//! The committee room in the browser (`/expert/committee/…`, the expert's workbench on the session
//! day): the section's opening record, the method with its criteria and price formula, chair
//! election, the qualification and compliance review with reasons, scoring criterion by criterion
//! with the computed price scores shown, clarifications to bidders, the others' scores sealed until
//! all are in, the ranking and signing the report.
//!
//! Every page's data is one call of [`room::room`]; every form goes through the same use case as the
//! API ([`service`]) after the same room-network gate, so a member outside the room's terminal
//! networks gets a page that says so (403, rule `evaluation.room_network`) and nothing changes.
//! Forms are CSRF-protected by the frame; a refusal re-renders the form with the use case's field
//! errors (GOV.UK error summary + messages next to the fields).

use crate::room::{self, Room, RoomView, Seat, REVIEW_ITEMS};
use crate::rules::{self, BaseRule, Method, MethodSpec, PriceFormulaKind};
use crate::service;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use ggzy_core::{Error, FieldError};
use ggzy_identity::http::IpOf;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{amount, beijing_time};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use rust_decimal::Decimal;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/expert/committee", get(seats))
        .route("/expert/committee/{id}", get(overview))
        .route("/expert/committee/{id}/chair", post(chair))
        .route(
            "/expert/committee/{id}/review",
            get(review_page).post(review),
        )
        .route(
            "/expert/committee/{id}/scores",
            get(scores_page).post(scores),
        )
        .route(
            "/expert/committee/{id}/clarifications",
            get(clarifications_page).post(clarify),
        )
        .route("/expert/committee/{id}/report", get(report_page).post(sign))
        .route(
            "/expert/committee/{id}/bids/{bid}/documents/{n}",
            get(document),
        )
}

fn stage_label(l: Lang, s: &str) -> &'static str {
    match s {
        "waiting" => l.t(
            "等待开标记录或委员会",
            "Waiting for the opening record or the committee",
        ),
        "review" => l.t(
            "初步评审（资格、符合性）",
            "Preliminary review (qualification, compliance)",
        ),
        "price_check" => l.t(
            "异常低价：待委员会记录报价合理性说明",
            "Abnormally low price: the committee records the bidder's explanation",
        ),
        "scoring" => l.t("详细评审（打分）", "Scoring"),
        "signing" => l.t("签署评标报告", "Signing the report"),
        "signed" => l.t("评标报告已签署", "Report signed"),
        _ => l.t("其他", "Other"),
    }
}

// ---------------------------------------------------------------------------------------------
// The list of today's committees.

struct SeatRow {
    section_id: String,
    stage: &'static str,
    session: Option<String>,
    bids: usize,
}

#[derive(Template)]
#[template(path = "committee/seats.html")]
struct Seats {
    lang: Lang,
    rows: Vec<SeatRow>,
}

async fn seats(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Expert]) {
        return r;
    }
    let c = &a.chrome;
    let list: Vec<Seat> = match room::my_seats(&ctx, &a.actor).await {
        Ok(l) => l,
        Err(e) => return frame::error_page(c, &e),
    };
    let p = Seats {
        lang: c.lang,
        rows: list
            .into_iter()
            .map(|s| SeatRow {
                stage: stage_label(c.lang, &s.stage),
                session: s
                    .session
                    .map(|(a, b)| format!("{} – {}", beijing_time(&a), beijing_time(&b))),
                bids: s.bids,
                section_id: s.section_id,
            })
            .collect(),
    };
    page_status(c, StatusCode::OK, c.t("评标室", "Committee room"), &p)
}

// ---------------------------------------------------------------------------------------------
// Outside the room's networks or its session.

#[derive(Template)]
#[template(path = "committee/outside.html")]
struct Outside<'a> {
    lang: Lang,
    section_id: &'a str,
    network: Option<&'a str>,
    session: Option<String>,
}

/// The room, or the page that says why the expert cannot work in it now (instead of failing).
async fn load(ctx: &Ctx, a: &PageActor, ip: &str, id: &str) -> Result<Box<Room>, Response> {
    a.require(&[Role::Expert])?;
    let c = &a.chrome;
    match room::room(ctx, &a.actor, ip, id).await {
        Ok(RoomView::Room(r)) => Ok(r),
        Ok(RoomView::OutsideNetwork(o)) => {
            let p = Outside {
                lang: c.lang,
                section_id: id,
                network: Some(&o.detail),
                session: None,
            };
            Err(page_status(
                c,
                StatusCode::FORBIDDEN,
                c.t(
                    "请在评标室终端上操作",
                    "Work from the evaluation room's terminals",
                ),
                &p,
            ))
        }
        Ok(RoomView::OutsideSession { start, end }) => {
            let p = Outside {
                lang: c.lang,
                section_id: id,
                network: None,
                session: Some(format!("{} – {}", beijing_time(&start), beijing_time(&end))),
            };
            Err(page_status(
                c,
                StatusCode::CONFLICT,
                c.t("不在评标时间内", "Outside the evaluation session"),
                &p,
            ))
        }
        Err(e) => Err(frame::error_page(c, &e)),
    }
}

/// The room-network gate before a form's use case runs (the same check as the API's).
async fn gate(ctx: &Ctx, a: &PageActor, ip: &str, id: &str) -> Result<(), Response> {
    a.require(&[Role::Expert])?;
    match service::room_network_gate(ctx, &a.actor, ip, id).await {
        Ok(None) => Ok(()),
        Ok(Some(_)) => load(ctx, a, ip, id).await.map(|_| ()),
        Err(e) => Err(frame::error_page(&a.chrome, &e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The room page (one template, one tab per step).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Review,
    Scores,
    Clarifications,
    Report,
}

struct NavItem {
    href: String,
    label: &'static str,
    current: bool,
}

struct OpeningRow {
    org_name: String,
    price: String,
    decrypted: bool,
    decryption: &'static str,
    deposit: &'static str,
}

struct DocLink {
    name: String,
    media_type: String,
    size: String,
    sha256: String,
    href: String,
}

struct BidDocsRow {
    org_name: String,
    price: String,
    docs: Vec<DocLink>,
}

struct MemberRow {
    expert_id: String,
    name: String,
    me: bool,
    chair: bool,
    votes: usize,
    reviewed: bool,
    scored: bool,
    signed: bool,
    refused: bool,
}

struct CriterionRow {
    name: String,
    max_points: String,
    guidance: String,
    is_price: bool,
}

struct ReviewCell {
    item: &'static str,
    item_name: String,
    pass_name: String,
    pass_id: String,
    reason_name: String,
    pass: bool,
    fail: bool,
    error: Option<FieldError>,
}

struct ReviewRow {
    index: usize,
    org_id: String,
    org_name: String,
    price: String,
    cells: Vec<ReviewCell>,
}

struct VerdictRow {
    org_name: String,
    item: String,
    pass: bool,
    reason: String,
}

struct ScoreCell {
    name: String,
    label: String,
    hint: String,
}

struct ScoreRow {
    index: usize,
    org_id: String,
    org_name: String,
    price: String,
    price_score: Option<String>,
    price_detail: Option<String>,
    cells: Vec<ScoreCell>,
}

struct ScoreTableRow {
    member: String,
    org_name: String,
    points: Vec<String>,
    total: String,
}

struct ClarificationRow {
    org_name: String,
    question: String,
    asked_at: String,
    reply_by: String,
    answer: Option<String>,
    answered_at: Option<String>,
}

struct RankRow {
    rank: i64,
    org_name: String,
    price: String,
    score: String,
}

struct ReportBidRow {
    org_name: String,
    price: String,
    price_score: String,
    non_price: String,
    total: String,
}

struct RejectedRow {
    org_name: String,
    fail_votes: i64,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "committee/room.html")]
struct RoomPage<'a> {
    c: &'a Chrome,
    lang: Lang,
    tab: &'static str,
    section_id: String,
    stage: String,
    stage_label: &'static str,
    session: Option<String>,
    nav: Vec<NavItem>,
    form: FormState,
    // Overview
    opening: Vec<OpeningRow>,
    bid_docs: Vec<BidDocsRow>,
    members: Vec<MemberRow>,
    chair: Option<String>,
    my_vote: Option<String>,
    can_vote: bool,
    method: Option<&'static str>,
    criteria: Vec<CriterionRow>,
    formula: Vec<String>,
    // Review
    can_review: bool,
    review_rows: Vec<ReviewRow>,
    verdicts: Vec<VerdictRow>,
    review_note: Option<String>,
    rejected_names: Vec<String>,
    // Scores
    scoring_method: bool,
    can_score: bool,
    score_rows: Vec<ScoreRow>,
    criteria_names: Vec<String>,
    my_scores: Vec<ScoreTableRow>,
    scored_members: usize,
    member_count: usize,
    all_scores: Option<Vec<ScoreTableRow>>,
    score_note: Option<String>,
    // Clarifications
    clarifications: Vec<ClarificationRow>,
    org_options: Vec<(String, String)>,
    can_ask: bool,
    // Report
    report_final: bool,
    ranking: Vec<RankRow>,
    report_bids: Vec<ReportBidRow>,
    rejected: Vec<RejectedRow>,
    base: Option<String>,
    can_sign: bool,
    my_signature: Option<String>,
}

fn dec(d: &Decimal) -> String {
    rules::round2(*d).to_string()
}

pub(crate) fn method_label(l: Lang, m: Method) -> &'static str {
    match m {
        Method::LowestEvaluatedPrice => l.t(
            "经评审的最低投标价法（评标委员会和评标方法暂行规定第三十条）",
            "Lowest evaluated price (Provisional Rules on Evaluation Committees and Methods, art. 30)",
        ),
        Method::Comprehensive => l.t(
            "综合评估法（评标委员会和评标方法暂行规定第三十四条）",
            "Comprehensive scoring (Provisional Rules on Evaluation Committees and Methods, art. 34)",
        ),
    }
}

/// The price formula in words, with its parameters.
pub(crate) fn formula_lines(l: Lang, spec: &MethodSpec) -> Vec<String> {
    let Some(f) = &spec.price_formula else {
        return vec![];
    };
    let max = spec
        .price_criterion()
        .map(|c| c.max_points.to_string())
        .unwrap_or_default();
    let base = match &f.base {
        BaseRule::Mean {
            k,
            drop_extremes_from,
        } => {
            let drop = drop_extremes_from
                .map(|n| match l {
                    Lang::Zh => format!("；有效投标不少于 {n} 家时先去掉一个最高价和一个最低价"),
                    Lang::En => format!("; with at least {n} valid bids the highest and the lowest are left out first"),
                })
                .unwrap_or_default();
            match l {
                Lang::Zh => format!("评标基准价 = 有效投标价的算术平均值 × (1 − K)，K = {k}{drop}"),
                Lang::En => {
                    format!("Base price = mean of the valid bid prices × (1 − K), K = {k}{drop}")
                }
            }
        }
        BaseRule::Lowest => l
            .t(
                "评标基准价 = 最低有效投标价",
                "Base price = the lowest valid bid price",
            )
            .to_string(),
    };
    let score = match f.kind {
        PriceFormulaKind::Deviation => {
            let a = f.e_above.map(|e| e.to_string()).unwrap_or_default();
            let b = f.e_below.map(|e| e.to_string()).unwrap_or_default();
            match l {
                Lang::Zh => format!("价格分 = {max} − |投标价 − 基准价| ÷ 基准价 × 100 × E；高于基准价 E = {a}，低于基准价 E = {b}；最低 0 分"),
                Lang::En => format!("Price score = {max} − |bid − base| ÷ base × 100 × E; above the base E = {a}, below it E = {b}; never below 0"),
            }
        }
        PriceFormulaKind::LowestRatio => match l {
            Lang::Zh => format!("价格分 = 基准价 ÷ 投标价 × {max}（低价优先法，政府采购货物和服务招标投标管理办法第五十五条）"),
            Lang::En => format!("Price score = base ÷ bid × {max} (lowest-price ratio, MOF Order 87, art. 55)"),
        },
    };
    let round = l
        .t(
            "每个显示的数值四舍五入保留两位小数（计算过程为精确小数）。",
            "Each figure shown is rounded once to 2 places, half up (exact decimals in between).",
        )
        .to_string();
    vec![base, score, round]
}

fn decryption_label(l: Lang, s: &str) -> &'static str {
    match s {
        "decrypted" => l.t("已解密", "Decrypted"),
        "not_decrypted" => l.t("未解密（视为撤销）", "Not decrypted (revoked)"),
        "digest_mismatch" => l.t("解密内容与摘要不符", "Content does not match its digest"),
        _ => l.t("其他", "Other"),
    }
}

fn deposit_label(l: Lang, s: &str) -> &'static str {
    match s {
        "valid" => l.t("有效", "Valid"),
        "missing" => l.t("未缴", "Missing"),
        "invalid" => l.t("无效", "Invalid"),
        _ => l.t("未知", "Unknown"),
    }
}

impl<'a> RoomPage<'a> {
    fn new(c: &'a Chrome, r: &Room, tab: Tab, form: FormState) -> RoomPage<'a> {
        let l = c.lang;
        let w = &r.workbench;
        let sid = w.section_id.clone();
        let me = &r.me;
        let stage = w.stage.clone();
        let base_href = format!("/expert/committee/{sid}");
        let nav = [
            (
                Tab::Overview,
                "",
                l.t("概况与开标记录", "Overview and opening record"),
            ),
            (Tab::Review, "/review", l.t("初步评审", "Review")),
            (Tab::Scores, "/scores", l.t("打分", "Scoring")),
            (
                Tab::Clarifications,
                "/clarifications",
                l.t("澄清", "Clarifications"),
            ),
            (Tab::Report, "/report", l.t("评标报告", "Report")),
        ]
        .into_iter()
        .filter(|(t, _, _)| {
            *t != Tab::Scores
                || w.method
                    .as_ref()
                    .is_some_and(|m| m.method == Method::Comprehensive)
        })
        .map(|(t, suffix, label)| NavItem {
            href: format!("{base_href}{suffix}"),
            label,
            current: t == tab,
        })
        .collect();
        let signed_stage = stage == "signed";
        let opening = r
            .opening
            .iter()
            .map(|o| OpeningRow {
                org_name: o.org_name.clone(),
                price: o
                    .price
                    .as_deref()
                    .and_then(|p| p.parse::<Decimal>().ok())
                    .map(|d| amount(&d))
                    .unwrap_or_else(|| "—".into()),
                decrypted: o.decryption == "decrypted",
                decryption: decryption_label(l, &o.decryption),
                deposit: deposit_label(l, &o.deposit),
            })
            .collect();
        let bid_docs = r
            .documents
            .iter()
            .map(|b| BidDocsRow {
                org_name: b.org_name.clone(),
                price: b
                    .price
                    .as_deref()
                    .and_then(|p| p.parse::<Decimal>().ok())
                    .map(|d| amount(&d))
                    .unwrap_or_else(|| "—".into()),
                docs: b
                    .documents
                    .iter()
                    .map(|d| DocLink {
                        name: d.name.clone(),
                        media_type: d.media_type.clone(),
                        size: byte_size(l, d.size),
                        sha256: d.sha256.clone(),
                        href: format!("{base_href}/bids/{}/documents/{}", b.bid_id, d.n),
                    })
                    .collect(),
            })
            .collect();
        let members: Vec<MemberRow> = w
            .members
            .iter()
            .map(|m| MemberRow {
                expert_id: m.expert_id.clone(),
                name: m.name.clone(),
                me: m.expert_id == me.expert_id,
                chair: w.chair.as_deref() == Some(m.expert_id.as_str()),
                votes: r.chair_votes(&m.expert_id),
                reviewed: m.reviewed,
                scored: m.scored,
                signed: m.signed && !m.refused,
                refused: m.refused,
            })
            .collect();
        let spec = w.method.as_ref();
        let criteria = spec
            .map(|s| {
                s.criteria
                    .iter()
                    .map(|c| CriterionRow {
                        name: c.name.clone(),
                        max_points: c.max_points.to_string(),
                        guidance: c.guidance.clone(),
                        is_price: c.is_price,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Review.
        let carried_review = me.review_carried_from.is_some();
        let can_review = stage == "review" && !me.reviewed;
        let review_rows = w
            .bids
            .iter()
            .enumerate()
            .map(|(i, b)| ReviewRow {
                index: i,
                org_id: b.org_id.clone(),
                org_name: b.org_name.clone(),
                price: amount(&b.price),
                cells: REVIEW_ITEMS
                    .iter()
                    .enumerate()
                    .map(|(j, item)| {
                        let pass_name = format!("bids[{i}].items[{j}].pass");
                        let v = form.value(&pass_name).to_string();
                        ReviewCell {
                            item,
                            item_name: format!("bids[{i}].items[{j}].item"),
                            pass_id: ggzy_web::form::field_id(&pass_name),
                            error: form.error(&pass_name).cloned(),
                            pass_name,
                            reason_name: format!("bids[{i}].items[{j}].reason"),
                            pass: v == "true",
                            fail: v == "false",
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut verdicts = vec![];
        for (org, items) in &r.my_review {
            for it in items {
                verdicts.push(VerdictRow {
                    org_name: r.org_name(org),
                    item: it.item.clone(),
                    pass: it.pass,
                    reason: it.reason.clone().unwrap_or_default(),
                });
            }
        }
        let review_note = if carried_review {
            Some(match l {
                Lang::Zh => format!(
                    "您替换的成员（{}）已提交初步评审，其意见计入您的席位。",
                    r.member_name(me.review_carried_from.as_deref().unwrap_or_default())
                ),
                Lang::En => format!(
                    "The member you replaced ({}) submitted the review; it counts for your seat.",
                    r.member_name(me.review_carried_from.as_deref().unwrap_or_default())
                ),
            })
        } else if stage == "waiting" {
            Some(
                l.t(
                    "开标记录或评标委员会尚未就绪。",
                    "The opening record or the committee is not ready yet.",
                )
                .to_string(),
            )
        } else {
            None
        };
        let rejected_names = w.rejected.iter().map(|o| r.org_name(o)).collect();
        // Scores.
        let scoring_method = spec.is_some_and(|s| s.method == Method::Comprehensive);
        let can_score = scoring_method && stage == "scoring" && !me.scored;
        let scored: Vec<_> = spec
            .map(|s| s.scored_criteria().cloned().collect())
            .unwrap_or_default();
        let criteria_names: Vec<String> = scored.iter().map(|c| c.name.clone()).collect();
        let preview = spec.and_then(|s| {
            let f = s.price_formula.as_ref()?;
            let max = s.price_criterion()?.max_points;
            let prices: Vec<Decimal> = r.left.iter().map(|b| b.price).collect();
            let base = rules::base_price(&f.base, &prices)?;
            Some((f.clone(), max, base))
        });
        let score_rows = r
            .left
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let ps = preview
                    .as_ref()
                    .map(|(f, max, base)| rules::price_score(f, *max, b.price, base.base));
                ScoreRow {
                    index: i,
                    org_id: b.org_id.clone(),
                    org_name: b.org_name.clone(),
                    price: amount(&b.price),
                    price_score: ps.as_ref().map(|p| dec(&p.score)),
                    price_detail: ps.as_ref().map(|p| match (p.deviation_percent, p.ratio) {
                        (Some(d), _) => format!(
                            "{} {} · {} {}% · E {}",
                            l.t("基准价", "base"),
                            amount(&p.base),
                            l.t("偏差", "deviation"),
                            dec(&d),
                            p.e.map(|e| e.to_string()).unwrap_or_default()
                        ),
                        (_, Some(q)) => format!(
                            "{} {} · {} {}",
                            l.t("基准价", "base"),
                            amount(&p.base),
                            l.t("比值", "ratio"),
                            q.round_dp(4)
                        ),
                        _ => String::new(),
                    }),
                    cells: scored
                        .iter()
                        .map(|c| ScoreCell {
                            name: format!("bids[{i}].points.{}", c.code),
                            label: format!(
                                "{}（0–{}{}）",
                                c.name,
                                c.max_points,
                                l.t(" 分", " points")
                            ),
                            hint: c.guidance.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        let table = |list: &[service::MemberScores]| -> Vec<ScoreTableRow> {
            list.iter()
                .map(|s| ScoreTableRow {
                    member: r.member_name(&s.expert_id),
                    org_name: r.org_name(&s.org_id),
                    points: scored
                        .iter()
                        .map(|c| s.points.get(&c.code).map(dec).unwrap_or_default())
                        .collect(),
                    total: dec(&s.total),
                })
                .collect()
        };
        let my_scores = table(&r.my_scores);
        let all_scores = r.all_scores.as_deref().map(table);
        let score_note = if me.scores_carried_from.is_some() {
            Some(
                l.t(
                    "您替换的成员已提交打分，其分数计入您的席位。",
                    "The member you replaced submitted the scores; they count for your seat.",
                )
                .to_string(),
            )
        } else if stage == "review" || stage == "waiting" {
            Some(
                l.t(
                    "全体成员完成初步评审后开始打分。",
                    "Scoring starts once every member finished the review.",
                )
                .to_string(),
            )
        } else {
            None
        };
        // Clarifications.
        let clarifications = r
            .clarifications
            .iter()
            .map(|q| ClarificationRow {
                org_name: r.org_name(&q.org_id),
                question: q.question.clone(),
                asked_at: beijing_time(&q.asked_at),
                reply_by: beijing_time(&q.reply_by),
                answer: q.answer.clone(),
                answered_at: q.answered_at.as_ref().map(beijing_time),
            })
            .collect();
        let org_options = w
            .bids
            .iter()
            .map(|b| (b.org_id.clone(), b.org_name.clone()))
            .collect();
        let can_ask = !w.bids.is_empty() && !signed_stage;
        // Report.
        let mut ranking = vec![];
        let mut report_bids = vec![];
        let mut rejected = vec![];
        let mut base = None;
        let mut report_final = false;
        if let Some(rep) = &r.report {
            report_final = rep.signed_at.is_some();
            ranking = rep
                .ranking
                .iter()
                .map(|x| RankRow {
                    rank: x.rank,
                    org_name: x.org_name.clone(),
                    price: x
                        .price
                        .parse::<Decimal>()
                        .map(|d| amount(&d))
                        .unwrap_or_else(|_| x.price.clone()),
                    score: x
                        .score
                        .as_deref()
                        .and_then(|s| s.parse::<Decimal>().ok())
                        .map(|d| dec(&d))
                        .unwrap_or_else(|| "—".into()),
                })
                .collect();
            report_bids = rep
                .bids
                .iter()
                .map(|b| ReportBidRow {
                    org_name: b.org_name.clone(),
                    price: amount(&b.price),
                    price_score: b
                        .price_score
                        .as_ref()
                        .and_then(|p| p["score"].as_str().map(str::to_string))
                        .unwrap_or_else(|| "—".into()),
                    non_price: dec(&b.non_price),
                    total: b.total.as_ref().map(dec).unwrap_or_else(|| "—".into()),
                })
                .collect();
            rejected = rep
                .rejected
                .iter()
                .map(|x| RejectedRow {
                    org_name: r.org_name(&x.org_id),
                    fail_votes: x.fail_votes,
                    reasons: x
                        .reasons
                        .as_object()
                        .into_iter()
                        .flatten()
                        .flat_map(|(expert, items)| {
                            let who = r.member_name(expert);
                            items
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter(|i| i["pass"] == false)
                                .map(move |i| {
                                    format!(
                                        "{who}：{} — {}",
                                        i["item"].as_str().unwrap_or_default(),
                                        i["reason"].as_str().unwrap_or_default()
                                    )
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect(),
                })
                .collect();
            base = rep.base.as_ref().and_then(|b| {
                b["base"]
                    .as_str()
                    .and_then(|s| s.parse::<Decimal>().ok())
                    .map(|d| amount(&d))
            });
        }
        let can_sign = stage == "signing" && !me.signed;
        let my_signature = me.signed.then(|| {
            let what = if me.refused {
                l.t(
                    "您已拒绝签字并说明理由",
                    "You refused to sign, stating your reason",
                )
            } else {
                l.t("您已签字", "You signed")
            };
            match &me.sign_note {
                Some(n) => format!("{what}：{n}"),
                None => what.to_string(),
            }
        });
        RoomPage {
            c,
            lang: l,
            tab: match tab {
                Tab::Overview => "overview",
                Tab::Review => "review",
                Tab::Scores => "scores",
                Tab::Clarifications => "clarifications",
                Tab::Report => "report",
            },
            section_id: sid,
            stage_label: stage_label(l, &stage),
            stage,
            session: r
                .session
                .map(|(a, b)| format!("{} – {}", beijing_time(&a), beijing_time(&b))),
            nav,
            opening,
            bid_docs,
            chair: w.chair.as_deref().map(|c| r.member_name(c)),
            my_vote: me.chair_vote.as_deref().map(|v| r.member_name(v)),
            can_vote: w.chair.is_none() && !signed_stage && !members.is_empty(),
            members,
            method: spec.map(|s| method_label(l, s.method)),
            criteria,
            formula: spec.map(|s| formula_lines(l, s)).unwrap_or_default(),
            can_review,
            review_rows,
            verdicts,
            review_note,
            rejected_names,
            scoring_method,
            can_score,
            score_rows,
            criteria_names,
            my_scores,
            scored_members: r.scored_members,
            member_count: w.members.len(),
            all_scores,
            score_note,
            clarifications,
            org_options,
            can_ask,
            report_final,
            ranking,
            report_bids,
            rejected,
            base,
            can_sign,
            my_signature,
            form,
        }
    }
}

/// A document size for people: bytes below 1 KiB, else KiB / MiB with one decimal, with the exact
/// byte count in parentheses.
fn byte_size(l: Lang, n: i64) -> String {
    let b = l.t("字节", "bytes");
    if n < 1024 {
        return format!("{n} {b}");
    }
    let (v, unit) = if n < 1024 * 1024 {
        (n as f64 / 1024.0, "KiB")
    } else {
        (n as f64 / (1024.0 * 1024.0), "MiB")
    };
    format!("{v:.1} {unit} ({n} {b})")
}

// ---------------------------------------------------------------------------------------------
// A bid document: served by the use case the API serves it with, after the same gate.

#[derive(Template)]
#[template(path = "committee/document_fault.html")]
struct DocumentFault<'a> {
    lang: Lang,
    section_id: &'a str,
    detail: String,
}

async fn document(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path((id, bid, n)): Path<(String, String, i64)>,
    a: PageActor,
) -> Response {
    if let Err(r) = gate(&ctx, &a, &ip.0, &id).await {
        return r;
    }
    let c = &a.chrome;
    match crate::documents::read(&ctx, &a.actor, &id, &bid, n).await {
        Ok(Ok(d)) => crate::documents::response(d),
        Ok(Err(f)) => page_status(
            c,
            StatusCode::INTERNAL_SERVER_ERROR,
            c.t("投标文件校验失败", "Bid document failed its check"),
            &DocumentFault {
                lang: c.lang,
                section_id: &id,
                detail: f.detail,
            },
        ),
        Err(e) => frame::error_page(c, &e),
    }
}

fn title(l: Lang, tab: Tab) -> &'static str {
    match tab {
        Tab::Overview => l.t("评标室", "Committee room"),
        Tab::Review => l.t("初步评审", "Review"),
        Tab::Scores => l.t("打分", "Scoring"),
        Tab::Clarifications => l.t("澄清", "Clarifications"),
        Tab::Report => l.t("评标报告", "Evaluation report"),
    }
}

async fn show(
    ctx: &Ctx,
    a: &PageActor,
    ip: &str,
    id: &str,
    tab: Tab,
    status: StatusCode,
    form: FormState,
) -> Response {
    let r = match load(ctx, a, ip, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let c = &a.chrome;
    let mut form = form;
    if tab == Tab::Clarifications && form.value("reply_by").is_empty() {
        // A sensible default: one hour from now, Beijing time, as `datetime-local` wants it.
        let t = (ctx.clock.now() + chrono::Duration::hours(1))
            .with_timezone(&ggzy_core::time::shanghai())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        form = form.with_values([("reply_by", t)]);
    }
    let p = RoomPage::new(c, &r, tab, form);
    page_status(c, status, title(c.lang, tab), &p)
}

async fn overview(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Overview,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn review_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Review,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn scores_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Scores,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn clarifications_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Clarifications,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

async fn report_page(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    a: PageActor,
) -> Response {
    show(
        &ctx,
        &a,
        &ip.0,
        &id,
        Tab::Report,
        StatusCode::OK,
        FormState::new(),
    )
    .await
}

type Pairs = Vec<(String, String)>;

/// Run a form's use case after the room-network gate: on success back to `tab`'s page (303), on a
/// refusal the same page again with the submitted values and the use case's errors.
async fn submit<F, Fut>(
    ctx: &Ctx,
    ip: &str,
    id: &str,
    f: CsrfForm<Pairs>,
    tab: Tab,
    run: F,
) -> Response
where
    F: FnOnce(Pairs) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let a = f.actor;
    if let Err(r) = gate(ctx, &a, ip, id).await {
        return r;
    }
    let values: Vec<(String, String)> = f
        .form
        .iter()
        .filter(|(k, _)| k != "csrf")
        .cloned()
        .collect();
    match run(f.form).await {
        Ok(()) => {
            let suffix = match tab {
                Tab::Overview => "",
                Tab::Review => "/review",
                Tab::Scores => "/scores",
                Tab::Clarifications => "/clarifications",
                Tab::Report => "/report",
            };
            see_other(&format!("/expert/committee/{id}{suffix}"))
        }
        Err(e) => {
            let form = FormState::from_error(&e).with_values(values);
            show(ctx, &a, ip, id, tab, e.status(), form).await
        }
    }
}

async fn chair(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Overview, move |p| async move {
        let input = room::chair_from_form(&p)?;
        service::vote_chair(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn review(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Review, move |p| async move {
        let input = room::review_from_form(&p)?;
        service::submit_review(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn scores(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Scores, move |p| async move {
        let spec = service::method_of(&x, &sid).await?;
        let input = room::scores_from_form(&spec, &p)?;
        service::submit_scores(&x, &actor, &sid, input)
            .await
            .map(|_| ())
    })
    .await
}

async fn clarify(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(
        &ctx,
        &ip.0,
        &id,
        f,
        Tab::Clarifications,
        move |p| async move {
            let input = room::clarification_from_form(&p)?;
            service::ask(&x, &actor, &sid, input).await.map(|_| ())
        },
    )
    .await
}

async fn sign(
    State(ctx): State<Ctx>,
    ip: IpOf,
    Path(id): Path<String>,
    f: CsrfForm<Pairs>,
) -> Response {
    let (x, actor, sid) = (ctx.clone(), f.actor.actor.clone(), id.clone());
    submit(&ctx, &ip.0, &id, f, Tab::Report, move |p| async move {
        let input = room::sign_from_form(&p);
        service::sign(&x, &actor, &sid, input).await.map(|_| ())
    })
    .await
}
