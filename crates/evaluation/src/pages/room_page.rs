//! The room page (one template, one tab per step): its rows and the view built from a [`Room`].

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tab {
    Overview,
    Review,
    Scores,
    Clarifications,
    Report,
}

pub(super) struct NavItem {
    href: String,
    label: &'static str,
    current: bool,
}

pub(super) struct OpeningRow {
    org_name: String,
    price: String,
    decrypted: bool,
    decryption: &'static str,
    deposit: &'static str,
}

pub(super) struct DocLink {
    name: String,
    media_type: String,
    size: String,
    sha256: String,
    href: String,
}

pub(super) struct BidDocsRow {
    org_name: String,
    price: String,
    docs: Vec<DocLink>,
}

pub(super) struct MemberRow {
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

pub(super) struct CriterionRow {
    name: String,
    max_points: String,
    guidance: String,
    is_price: bool,
}

pub(super) struct ReviewCell {
    item: &'static str,
    item_name: String,
    pass_name: String,
    pass_id: String,
    reason_name: String,
    pass: bool,
    fail: bool,
    error: Option<FieldError>,
}

pub(super) struct ReviewRow {
    index: usize,
    org_id: String,
    org_name: String,
    price: String,
    cells: Vec<ReviewCell>,
}

pub(super) struct VerdictRow {
    org_name: String,
    item: String,
    pass: bool,
    reason: String,
}

pub(super) struct ScoreCell {
    name: String,
    label: String,
    hint: String,
}

pub(super) struct ScoreRow {
    index: usize,
    org_id: String,
    org_name: String,
    price: String,
    price_score: Option<String>,
    price_detail: Option<String>,
    cells: Vec<ScoreCell>,
}

pub(super) struct ScoreTableRow {
    member: String,
    org_name: String,
    points: Vec<String>,
    total: String,
}

pub(super) struct ClarificationRow {
    org_name: String,
    question: String,
    asked_at: String,
    reply_by: String,
    answer: Option<String>,
    answered_at: Option<String>,
}

pub(super) struct RankRow {
    rank: i64,
    org_name: String,
    price: String,
    score: String,
}

pub(super) struct ReportBidRow {
    org_name: String,
    price: String,
    price_score: String,
    non_price: String,
    total: String,
}

pub(super) struct RejectedRow {
    org_name: String,
    fail_votes: i64,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "committee/room.html")]
pub(super) struct RoomPage<'a> {
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

pub(super) fn dec(d: &Decimal) -> String {
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

pub(super) fn decryption_label(l: Lang, s: &str) -> &'static str {
    match s {
        "decrypted" => l.t("已解密", "Decrypted"),
        "not_decrypted" => l.t("未解密（视为撤销）", "Not decrypted (revoked)"),
        "digest_mismatch" => l.t("解密内容与摘要不符", "Content does not match its digest"),
        _ => l.t("其他", "Other"),
    }
}

pub(super) fn deposit_label(l: Lang, s: &str) -> &'static str {
    match s {
        "valid" => l.t("有效", "Valid"),
        "missing" => l.t("未缴", "Missing"),
        "invalid" => l.t("无效", "Invalid"),
        _ => l.t("未知", "Unknown"),
    }
}

impl<'a> RoomPage<'a> {
    pub(super) fn new(c: &'a Chrome, r: &Room, tab: Tab, form: FormState) -> RoomPage<'a> {
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
pub(super) fn byte_size(l: Lang, n: i64) -> String {
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
