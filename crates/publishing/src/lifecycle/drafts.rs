//! The announcement drafts the lifecycle writes for staff: one builder per kind of result
//! (prequalification round, opening record, candidate publicity, award, deal, pre-emption,
//! failure).

use super::*;
use ggzy_events::publishing::AnnouncementCreated;

pub(super) struct Draft {
    pub(super) ann_type: AnnouncementType,
    pub(super) title: String,
    pub(super) body: String,
    /// Every field of the draft; `source` the subset taken from the event (locked).
    pub(super) fields: Value,
    pub(super) source: Value,
    /// What makes the draft unique instead of the event id (a deal drafts one notice even when
    /// its event is emitted again under a new id).
    pub(super) key: Option<String>,
}

pub(super) async fn create_draft(
    tx: &mut Tx,
    db: &Db,
    now: DateTime<Utc>,
    ev: &Event,
    market: Option<&str>,
    s: &SectionInfo,
    d: Draft,
) -> Result<()> {
    let id = ids::new_id();
    // The event's market, else the section's.
    let market = market.unwrap_or(&s.market).to_string();
    let region = s_region(tx, &s.section_id).await?;
    let source_event = format!(
        "{}:{}",
        d.key.as_deref().unwrap_or(&ev.id),
        d.ann_type.as_str()
    );
    let n = store::announcements::insert_draft(
        tx,
        store::announcements::NewDraft {
            id: &id,
            market: &market,
            ann_type: d.ann_type,
            region: &region,
            title: &d.title,
            body_md: &d.body,
            body_html: &render_markdown(&d.body),
            fields: &d.fields.to_string(),
            original_id: None,
            owner_org_id: s.owner_org_id.as_deref(),
            created_by: &format!("system:{NAME}"),
            now: to_micros(now),
            project_id: (!s.project_id.is_empty()).then(|| s.project_id.clone()),
            section_ids: &json!([s.section_id]).to_string(),
            body_format: crate::rules::BodyFormat::Markdown,
            source: Some(store::announcements::DraftSource {
                event: &source_event,
                fields: &d.source.to_string(),
            }),
        },
    )
    .await?;
    if n == 0 {
        return Ok(());
    }
    let a = service::load(tx, db, &id, false).await?;
    service::write_version(tx, &a, to_micros(now)).await?;
    let created = AnnouncementCreated {
        announcement_id: a.id.clone(),
        announcement: service::fields(&a),
        source_event: Some(ev.id.clone()),
        source_event_type: Some(ev.event_type.clone()),
    };
    emit(tx, db, &ActorRef::system(NAME), now, created.encode()).await?;
    Ok(())
}

pub(super) async fn s_region(tx: &mut Tx, section_id: &str) -> Result<String> {
    let r = store::sections::region_of_section(tx, section_id).await?;
    Ok(r.flatten().unwrap_or_default())
}

pub(super) fn title(s: &SectionInfo, what: &str) -> String {
    format!("{}{}{what}", s.project_name, s.section_name)
}

pub(super) fn opening_record(
    s: &SectionInfo,
    o: &ggzy_events::projects::OpeningRecorded,
    entries: &[ggzy_events::projects::OpeningEntry],
) -> Draft {
    let mut body = format!(
        "## 开标记录\n\n开标时间：{}（北京时间）\n\n| 序号 | 投标人 | 统一社会信用代码 | 投标报价 | 解密 | 保证金 |\n|---|---|---|---|---|---|\n",
        cell_time(o.opened_at)
    );
    for (i, e) in entries.iter().enumerate() {
        body.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            i + 1,
            cell_str(Some(&e.org_name)),
            cell_str(Some(&e.uscc)),
            cell_money_text(e.price.map(|m| m.to_string()).as_deref()),
            decryption_text(&e.decryption),
            deposit_text(&e.deposit),
        ));
    }
    // The entries are kept as the event gave them.
    let bids = json!(o.entries);
    let fields = json!({
        "project_name": format!("{}{}", s.project_name, s.section_name),
        "opened_at": rfc(o.opened_at),
        "bids": bids,
    });
    Draft {
        ann_type: AnnouncementType::OpeningRecord,
        title: title(s, "开标记录"),
        body,
        source: fields.clone(),
        fields,
        key: None,
    }
}

/// The prequalification announcement (资格预审公告, 10号令 第5条) of a round the projects area
/// opened: the round's documents window and applications deadline, locked (the announcement
/// states the round it announces, `announcement.prequalification_round_mismatch`); the
/// tenderer completes the rest (scope, scale, funding, requirements, …) before submitting.
pub(super) fn prequalification(
    s: &SectionInfo,
    o: &ggzy_events::projects::PrequalificationOpened,
) -> Draft {
    let body = format!(
        "## 资格预审公告\n\n资格预审文件获取时间：{} 至 {}（北京时间）\n\n资格预审申请文件递交截止时间：{}（北京时间）\n",
        cell_time(Some(o.docs_issue_at)),
        cell_time(Some(o.docs_sale_end_at)),
        cell_time(Some(o.applications_due_at)),
    );
    let source = json!({
        "project_name": format!("{}{}", s.project_name, s.section_name),
        "docs_available_at": o.docs_issue_at.to_rfc3339(),
        "docs_sale_end_at": o.docs_sale_end_at.to_rfc3339(),
        "applications_due_at": o.applications_due_at.to_rfc3339(),
    });
    Draft {
        ann_type: AnnouncementType::Prequalification,
        title: title(s, "资格预审公告"),
        body,
        fields: source.clone(),
        source,
        key: None,
    }
}

pub(super) fn candidate_publicity(
    s: &SectionInfo,
    p: &ggzy_events::projects::CandidatesPublicized,
) -> Draft {
    let cands: Vec<Value> = p
        .candidates
        .iter()
        .map(|c| json!({"rank": c.rank, "org_id": c.org_id, "name": c.org_name, "price": c.price}))
        .collect();
    let mut body = format!(
        "## 中标候选人公示\n\n公示期：{} 至 {}（北京时间）\n\n| 排名 | 中标候选人 | 投标报价 |\n|---|---|---|\n",
        cell_time(Some(p.publicity_starts_at)),
        cell_time(Some(p.publicity_ends_at))
    );
    for c in &p.candidates {
        body.push_str(&format!(
            "| {} | {} | {} |\n",
            c.rank,
            cell_str(Some(&c.org_name)),
            cell_money(Some(c.price))
        ));
    }
    let fields = json!({
        "project_name": format!("{}{}", s.project_name, s.section_name),
        "candidates": cands,
        "publicity_start_at": p.publicity_starts_at.to_rfc3339(),
        "publicity_end_at": p.publicity_ends_at.to_rfc3339(),
    });
    Draft {
        ann_type: AnnouncementType::CandidatePublicity,
        title: title(s, "中标候选人公示"),
        body,
        source: fields.clone(),
        fields,
        key: None,
    }
}

pub(super) fn award(s: &SectionInfo, p: &ggzy_events::projects::AwardConfirmed) -> Draft {
    // Land and property trades end in a deal announcement (成交公告), the others in an award.
    let market = p.market.as_deref().unwrap_or(&s.market);
    let deal = matches!(market, "land" | "property");
    let name = format!("{}{}", s.project_name, s.section_name);
    let mut fields = json!({
        "winner": p.winner_name,
        "winner_org_id": p.winner_org_id,
        "price": p.price,
        "awarded_at": rfc(p.awarded_at),
    });
    if deal {
        fields["subject"] = json!(name);
    } else {
        fields["project_name"] = json!(name);
        if let Some(c) = &s.project_code {
            fields["project_code"] = json!(c);
        }
        if let Some(procedure) = &p.procedure {
            fields["procedure"] = json!(procedure);
        }
        // 财政部令第87号 第六十九条: the procurement result announcement names the main items.
        if p.market.as_deref() == Some("procurement") {
            fields["main_items"] = json!([{"name": name, "price": p.price}]);
        }
    }
    let body = format!(
        "## {}\n\n| 项目 | 中标（成交）人 | 中标（成交）价 | 确定时间（北京时间） |\n|---|---|---|---|\n| {} | {} | {} | {} |\n",
        if deal { "成交公告" } else { "中标结果公告" },
        cell(&json!(name)),
        cell_str(p.winner_name.as_deref()),
        cell_money(p.price),
        cell_time(p.awarded_at),
    );
    Draft {
        ann_type: if deal {
            AnnouncementType::Deal
        } else {
            AnnouncementType::Award
        },
        title: title(
            s,
            if deal {
                "成交公告"
            } else {
                "中标结果公告"
            },
        ),
        body,
        source: fields.clone(),
        fields,
        key: None,
    }
}

/// The deal announcement (成交公告) of a land or property listing / auction. `winner_name` comes
/// from this area's copy of organizations; when it does not know the winner the field stays open
/// for the tenderer to fill in (the type requires it at submission).
pub(super) fn deal(
    s: &SectionInfo,
    p: &ggzy_events::auctions::DealConfirmed,
    winner_name: Option<String>,
    co_names: &[Option<String>],
) -> Draft {
    let name = format!("{}{}", s.project_name, s.section_name);
    let mut fields = json!({
        "subject": name,
        "winner_org_id": p.winner_org_id,
        "winner_number": p.winner_number,
        "price": p.price,
        "deal_at": rfc(p.confirmed_at),
        "deal_id": p.deal_id,
        "via": p.via,
    });
    if let Some(w) = &winner_name {
        fields["winner"] = json!(w);
    }
    let via = match p.via.as_deref() {
        Some("auction") => "网络竞价",
        Some("listing") => "挂牌",
        Some("capital_increase") => "企业增资",
        _ => "—",
    };
    let co = p.co_winners.as_deref().unwrap_or_default();
    let mut body = format!(
        "## 成交公告\n\n| 标的 | 竞得人（受让方） | 竞买号 | 成交价 | 成交方式 | 成交时间（北京时间） |\n|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} |\n",
        cell(&json!(name)),
        cell_str(winner_name.as_deref()),
        cell_str(p.winner_number.as_deref()),
        cell_money(Some(p.price)),
        via,
        cell_time(p.confirmed_at),
    );
    // A deal shared by several investors (a capital increase): every investor with its amount;
    // the price above is their total.
    if !co.is_empty() {
        let own = Money::from_fen(p.price.fen() - co.iter().map(|c| c.amount.fen()).sum::<i64>());
        body.push_str("\n### 投资方\n\n| 投资方 | 竞买号 | 增资金额 |\n|---|---|---|\n");
        let mut rows = vec![(winner_name.clone(), p.winner_number.clone(), own)];
        rows.extend(
            co.iter()
                .zip(co_names.iter().chain(std::iter::repeat(&None)))
                .map(|(c, n)| (n.clone(), c.number.clone(), c.amount)),
        );
        for (name, number, amount) in rows {
            body.push_str(&format!(
                "| {} | {} | {} |\n",
                cell_str(name.as_deref()),
                cell_str(number.as_deref()),
                cell_money(Some(amount)),
            ));
        }
        fields["co_winners"] = json!(co
            .iter()
            .zip(co_names.iter().chain(std::iter::repeat(&None)))
            .map(|(c, n)| json!({"org_id": c.org_id, "name": n, "number": c.number, "amount": c.amount}))
            .collect::<Vec<_>>());
    }
    Draft {
        ann_type: AnnouncementType::Deal,
        title: title(s, "成交公告"),
        body,
        source: fields.clone(),
        fields,
        key: Some(format!("deal:{}", p.deal_id)),
    }
}

/// A mining-right deal's result publicity (结果公示, 矿业权出让交易规则): the draft states it, from its
/// publication until `rules::mining_publicity_end` (valid whenever it is published within the 5
/// working days after the deal), in its fields (editable) and a line of its body.
pub(super) fn mining_publicity(
    d: &mut Draft,
    cal: &ggzy_core::calendar::BusinessCalendar,
    confirmed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let deal_at = confirmed_at.unwrap_or(now);
    let end = crate::rules::mining_publicity_end(cal, deal_at);
    // Fields only, not the locked source: staff may set another end within the rule.
    d.fields["publicity_start_at"] = json!(deal_at.to_rfc3339());
    d.fields["publicity_end_at"] = json!(end.to_rfc3339());
    d.body.push_str(&format!(
        "\n公示期（publicity）：自发布之日起至 {}（不少于 {} 个工作日）\n",
        cell_time(Some(end)),
        crate::rules::MINING_RESULT_PUBLICITY_WORKING_DAYS
    ));
}

/// The pre-emption result (优先购买权行使结果, 公司法 第八十四条) of a property deal: each other
/// shareholder's written decision and who buys — the auction winner, or the exercising
/// shareholder(s) at the deal price with their shares — published with the deal.
pub(super) fn preemption(s: &SectionInfo, p: &ggzy_events::auctions::PreemptionRecorded) -> Draft {
    let name = format!("{}{}", s.project_name, s.section_name);
    let fields = json!({
        "subject": name,
        "deal_id": p.deal_id,
        "price": p.price,
        "buyer": p.buyer,
        "winner_number": p.winner_number,
        "buyers": p.buyers,
        "waived": p.waived,
    });
    let mut body = format!(
        "## 成交公告（股东优先购买权行使结果）\n\n标的：{}；成交价：{}。\n\n",
        cell(&json!(name)),
        cell_money(Some(p.price)),
    );
    if p.buyers.is_empty() {
        body.push_str(&format!(
            "其他股东均书面放弃优先购买权，受让方为竞买号 {} 的竞得人。\n\n",
            cell_str(p.winner_number.as_deref())
        ));
    } else {
        body.push_str(
            "以下股东以同等条件（成交价）行使优先购买权，为受让方：\n\n\
             | 股东 | 统一社会信用代码 | 受让比例 | 金额 |\n|---|---|---|---|\n",
        );
        for b in &p.buyers {
            body.push_str(&format!(
                "| {} | {} | {} % | {} |\n",
                cell_str(Some(&b.name)),
                cell_str(b.uscc.as_deref()),
                cell_str(b.share_percent.as_deref()),
                cell_money(b.amount),
            ));
        }
        body.push('\n');
    }
    for w in &p.waived {
        // A deemed waiver (公司法 第八十四条: 三十日内未答复的，视为放弃) is not a written one.
        if w.deemed {
            body.push_str(&format!(
                "- {}：接到书面通知之日起三十日内未答复，视为放弃优先购买权\n",
                cell_str(Some(&w.name))
            ));
        } else {
            body.push_str(&format!(
                "- {}：书面放弃优先购买权\n",
                cell_str(Some(&w.name))
            ));
        }
    }
    Draft {
        ann_type: AnnouncementType::Deal,
        title: title(s, "成交公告（优先购买权行使结果）"),
        body,
        source: fields.clone(),
        fields,
        key: Some(format!("preemption:{}", p.deal_id)),
    }
}

/// The failure notice (流拍公告) of a land or property listing / auction.
pub(super) fn auction_failure(s: &SectionInfo, p: &AuctionFailed) -> Draft {
    let reason = match p.reason.as_deref() {
        Some("no_quote") => "挂牌期限内无人报价（no valid quote）",
        Some("reserve_not_met") => "最高报价低于保留价（reserve price not met）",
        Some("too_few_bidders") => "竞买人不足，终止拍卖（fewer bidders than the minimum）",
        Some("no_investor") => "信息披露期满未征集到合格意向投资方（no qualified investor）",
        _ => "未成交",
    };
    let fields = json!({
        "project_name": format!("{}{}", s.project_name, s.section_name),
        "reason": p.reason,
        "kind": "failed",
        "failed_at": rfc(p.failed_at),
        "highest_price": p.highest_price,
        "basis": "国土资源部令第39号 第二十条; 国资委 财政部令第32号",
    });
    let body = format!(
        "## 流拍公告\n\n原因：{reason}\n\n最高报价：{}\n\n时间：{}（北京时间）\n",
        cell_money(p.highest_price),
        cell_time(p.failed_at)
    );
    Draft {
        ann_type: AnnouncementType::Failure,
        title: title(s, "流拍公告"),
        body,
        source: fields.clone(),
        fields,
        key: Some(format!("auction:{}:failed", p.auction_id)),
    }
}

/// The organization's name in this area's copy (None when never seen).
pub(super) async fn org_name(tx: &mut Tx, org_id: &str) -> Result<Option<String>> {
    let r = store::sections::org_name(&mut **tx, org_id).await?;
    Ok(r.filter(|n| !n.is_empty()))
}

pub(super) fn failure(s: &SectionInfo, p: &Failure, terminated: bool) -> Draft {
    let mut fields = json!({
        "project_name": format!("{}{}", s.project_name, s.section_name),
        "reason": p.reason,
        "kind": if terminated { "terminated" } else { "failed" },
    });
    if let Some(n) = p.bid_count {
        fields["bid_count"] = json!(n);
    }
    if let Some(b) = &p.basis {
        fields["basis"] = json!(b);
    }
    let count = |n: Option<i64>| n.map_or_else(|| cell(&Value::Null), |n| n.to_string());
    // Government procurement's mandatory failure after the review is a 废标 (政府采购法 第三十六条).
    let what = if terminated {
        "终止公告"
    } else if p.reason.as_deref() == Some("too_few_qualified") {
        "废标公告"
    } else {
        "流标公告"
    };
    let reason = match p.reason.as_deref() {
        Some("too_few_bids") => {
            format!("投标人少于法定最低数量（{} 个投标）", count(p.bid_count))
        }
        Some("too_few_qualified") => format!(
            "通过资格审查或符合性审查的供应商不足三家（{} 家）",
            count(p.qualified_count)
        ),
        other => cell_str(other),
    };
    let body = format!(
        "## {what}\n\n原因：{reason}\n\n依据：{}\n",
        cell_str(p.basis.as_deref())
    );
    Draft {
        ann_type: AnnouncementType::Failure,
        title: title(s, what),
        body,
        source: fields.clone(),
        fields,
        key: None,
    }
}
