//! State-owned property rights (产权交易, 《企业国有资产交易监督管理办法》, 国资委 财政部令第32号):
//! the rules issue 21 fixed — the first floor at least the appraisal (第十七条), the approving
//! body's written consent to a floor below 90 % of the appraisal recorded as a document (第十八条),
//! and the transferor (转让方) following its own listing read-only.
//!
//! The pure checks do no I/O; [`record_consent`] and [`is_transferor`] touch this area's own
//! tables only (`auction_floor_consents`, `auction_sections.owner_org_id`, migration 0200).

use base64::Engine as _;
use chrono::NaiveDate;
use ggzy_core::error::FieldError;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The written consent's document may be at most this large (bytes, decoded).
pub const CONSENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// 32号令 第十七条: 产权转让项目首次正式信息披露的转让底价，不得低于经核准或备案的转让标的评估结果
/// — the first disclosed floor (转让底价) is at least the appraisal (评估结果). Exactly the appraisal
/// is allowed, one fen less is refused. Exact integer arithmetic in fen.
pub fn first_floor_allowed(floor_fen: i64, appraisal_fen: i64) -> bool {
    floor_fen >= appraisal_fen
}

/// The approving body's written consent (转让行为批准单位书面同意) as the re-listing carries it:
/// the scanned or signed document itself (base64), not a second platform user's click.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConsentUpload {
    /// The body that approved the transfer (转让行为批准单位), e.g. the SASAC or the group company.
    pub approving_body: String,
    /// Who signed the consent for that body.
    pub signed_by: String,
    /// The date on the consent (YYYY-MM-DD); not after today (Beijing).
    pub consented_on: NaiveDate,
    /// The document's file name, e.g. `同意函.pdf`.
    pub file_name: String,
    /// The document's bytes, base64 (standard alphabet).
    pub content_base64: String,
}

/// A consent as validated: decoded document and its SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct Consent {
    pub approving_body: String,
    pub signed_by: String,
    pub consented_on: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_b64: String,
}

/// The consent as the auction view shows it (never the document's bytes).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ConsentView {
    pub approving_body: String,
    pub signed_by: String,
    pub consented_on: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub recorded_by: String,
}

fn text(v: &mut Vec<FieldError>, field: &str, s: &str, max: usize) -> String {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        v.push(FieldError::new(
            format!("consent.{field}"),
            "auctions.floor_consent_field",
            format!("required, at most {max} characters"),
        ));
    }
    t.to_string()
}

/// Validate an uploaded consent on `today` (the Beijing date): every text field present, a date not
/// in the future, a non-empty document of at most [`CONSENT_MAX_BYTES`] in valid base64.
pub fn validate_consent(
    c: &ConsentUpload,
    today: NaiveDate,
) -> std::result::Result<Consent, Vec<FieldError>> {
    let mut v = Vec::new();
    let approving_body = text(&mut v, "approving_body", &c.approving_body, 200);
    let signed_by = text(&mut v, "signed_by", &c.signed_by, 100);
    let file_name = text(&mut v, "file_name", &c.file_name, 200);
    if c.consented_on > today {
        v.push(FieldError::new(
            "consent.consented_on",
            "auctions.floor_consent_date",
            format!("the consent is dated on or before today ({today})"),
        ));
    }
    let bytes = match base64::engine::general_purpose::STANDARD.decode(c.content_base64.trim()) {
        Ok(b) if !b.is_empty() && b.len() <= CONSENT_MAX_BYTES => Some(b),
        _ => {
            v.push(FieldError::new(
                "consent.content_base64",
                "auctions.floor_consent_document",
                format!(
                    "the consent document, base64, not empty, at most {CONSENT_MAX_BYTES} bytes"
                ),
            ));
            None
        }
    };
    match bytes {
        Some(b) if v.is_empty() => Ok(Consent {
            approving_body,
            signed_by,
            consented_on: c.consented_on,
            file_name,
            sha256: hex::encode(Sha256::digest(&b)),
            size_bytes: b.len() as i64,
            content_b64: c.content_base64.trim().to_string(),
        }),
        _ => Err(v),
    }
}

/// Store the consent of re-listing `relist_id` in the re-listing's transaction.
pub async fn record_consent(
    tx: &mut sqlx::AnyConnection,
    auction_id: &str,
    relist_id: &str,
    c: &Consent,
    recorded_by: &str,
    now: Timestamp,
) -> Result<()> {
    crate::store::deals::insert_consent(
        tx,
        &ggzy_core::ids::new_id(),
        auction_id,
        relist_id,
        c,
        recorded_by,
        now,
    )
    .await
}

/// The consent recorded with re-listing `relist_id`, if any.
pub async fn consent_of(
    conn: &mut sqlx::AnyConnection,
    relist_id: &str,
) -> Result<Option<ConsentView>> {
    crate::store::deals::consent_of_relist(conn, relist_id).await
}

/// Is `org_id` the organization that registered the section's project (the transferor, 转让方, or
/// its agency)? It follows its own listing read-only: prices and the bid sequence by bidder number
/// (竞买号), never the bidders' identities (keeping the bidders confidential until the deal is the
/// exchanges' practice; no 32号令 article found that says so — to verify; the platform shows the
/// numbers ↔ organizations only to staff and supervisors).
pub async fn is_transferor(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<bool> {
    crate::store::sections::is_owner(conn, section_id, org_id).await
}

/// The property deal's rules (data): 32号令 as we read it; the article numbers of the publicity
/// and payment rules are to verify against the official text (domain rules §7 names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealRules {
    /// 32号令 (第二十九条 — to verify): the exchange publishes the deal result (交易结果公告) for at
    /// least 5 working days.
    pub publicity_working_days: u32,
    /// 32号令 (第二十八条 — to verify): instalments (分期付款) pay at least 30 % first. Basis points.
    pub first_payment_min_bp: i64,
    /// Same article: the rest within 1 year of the contract taking effect, secured (担保).
    pub balance_max_months: u32,
    /// Same article: 交易价款原则上应当自合同生效之日起5个工作日内一次付清 — the price in one sum, or
    /// the first instalment, within 5 working days of the contract taking effect (that day not
    /// counted; the 5th working day ends at 24:00 Beijing). Used by `property_payment`.
    pub payment_working_days: u32,
}

impl DealRules {
    pub fn national() -> Self {
        DealRules {
            publicity_working_days: 5,
            first_payment_min_bp: 3_000,
            balance_max_months: 12,
            payment_working_days: 5,
        }
    }
}

/// The deal's publicity and payment terms as staff record them (one record per deal).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DealTermsInput {
    /// When the deal result announcement (交易结果公告) is published.
    pub publicity_start: chrono::DateTime<chrono::FixedOffset>,
    /// When its publicity ends: at least 24:00 (Beijing) of the 5th working day after its start's
    /// date (that day not counted).
    pub publicity_end: chrono::DateTime<chrono::FixedOffset>,
    /// The date the transfer contract (产权交易合同) took effect.
    pub contract_effective_on: NaiveDate,
    /// `lump_sum` (一次付清) or `instalments` (分期付款).
    pub payment: String,
    /// Instalments: the first payment, ≥ 30 % of the deal price.
    pub first_payment: Option<String>,
    /// Instalments: the date the rest is due, ≤ 1 year after `contract_effective_on`.
    pub balance_due_on: Option<NaiveDate>,
    /// Instalments: the security for the rest (担保), e.g. a bank guarantee's reference.
    pub security: Option<String>,
}

/// The recorded terms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DealTermsView {
    pub deal_id: String,
    pub auction_id: String,
    pub price: String,
    pub publicity_start: String,
    pub publicity_end: String,
    pub contract_effective_on: String,
    pub payment: String,
    pub first_payment: Option<String>,
    pub balance_due_on: Option<String>,
    pub security: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// Checked terms, ready to store.
#[derive(Debug, Clone)]
pub struct DealTerms {
    pub publicity_start: Timestamp,
    pub publicity_end: Timestamp,
    pub contract_effective_on: NaiveDate,
    pub payment: String,
    pub first_payment_fen: Option<i64>,
    pub balance_due_on: Option<NaiveDate>,
    pub security: Option<String>,
}

/// Check the deal's publicity and payment terms against the deal price (fen): the publicity lasts
/// ≥ 5 working days (a year without a loaded holiday schedule is counted with weekends only and
/// reported in `missing`); one sum, or ≥ 30 % first and the rest within one year, secured.
pub fn check_deal_terms(
    r: &DealRules,
    cal: &ggzy_core::calendar::BusinessCalendar,
    price_fen: i64,
    t: &DealTermsInput,
    missing: &mut std::collections::BTreeSet<i32>,
) -> std::result::Result<DealTerms, Vec<FieldError>> {
    use ggzy_core::period::{self, Days};
    let mut v = Vec::new();
    let start = t.publicity_start.with_timezone(&chrono::Utc);
    let end = t.publicity_end.with_timezone(&chrono::Utc);
    let reached = period::reaches_end(cal, start, end, Days::working(r.publicity_working_days));
    missing.extend(reached.missing);
    if !reached.value {
        v.push(FieldError::new(
            "publicity_end",
            "auctions.deal_publicity_period",
            format!(
                "the deal result is publicized for at least {} working days (企业国有资产交易监督管理办法 32号令)",
                r.publicity_working_days
            ),
        ));
    }
    let mut first_payment_fen = None;
    let mut balance_due_on = None;
    let mut security = None;
    match t.payment.as_str() {
        "lump_sum" => {
            if t.first_payment.is_some() || t.balance_due_on.is_some() {
                v.push(FieldError::new(
                    "payment",
                    "auctions.payment_lump_sum",
                    "a payment in one sum (一次付清) has no first payment nor balance date",
                ));
            }
        }
        "instalments" => {
            match t.first_payment.as_deref().map(ggzy_core::Money::parse_str) {
                Some(Ok(m))
                    if m.fen() > 0
                        && i128::from(m.fen()) * 10_000
                            >= i128::from(price_fen) * i128::from(r.first_payment_min_bp) =>
                {
                    if m.fen() >= price_fen {
                        v.push(FieldError::new(
                            "first_payment",
                            "auctions.payment_first_share",
                            "a first payment of the whole price is a payment in one sum",
                        ));
                    }
                    first_payment_fen = Some(m.fen());
                }
                _ => v.push(FieldError::new(
                    "first_payment",
                    "auctions.payment_first_share",
                    format!(
                        "the first instalment is at least {}% of the deal price {} (32号令)",
                        r.first_payment_min_bp / 100,
                        ggzy_core::Money::from_fen(price_fen)
                    ),
                )),
            }
            let last = t
                .contract_effective_on
                .checked_add_months(chrono::Months::new(r.balance_max_months));
            match (t.balance_due_on, last) {
                (Some(d), Some(last)) if d >= t.contract_effective_on && d <= last => {
                    balance_due_on = Some(d);
                }
                _ => v.push(FieldError::new(
                    "balance_due_on",
                    "auctions.payment_balance_within_year",
                    format!(
                        "the rest is paid within {} months of the contract taking effect (32号令)",
                        r.balance_max_months
                    ),
                )),
            }
            match t.security.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() && s.chars().count() <= 500 => {
                    security = Some(s.to_string());
                }
                _ => v.push(FieldError::new(
                    "security",
                    "auctions.payment_security",
                    "instalments are secured (担保): name the security, at most 500 characters",
                )),
            }
        }
        _ => v.push(FieldError::new(
            "payment",
            "auctions.payment_kind",
            "lump_sum (一次付清) or instalments (分期付款)",
        )),
    }
    if v.is_empty() {
        Ok(DealTerms {
            publicity_start: start,
            publicity_end: end,
            contract_effective_on: t.contract_effective_on,
            payment: t.payment.clone(),
            first_payment_fen,
            balance_due_on,
            security,
        })
    } else {
        Err(v)
    }
}

/// The deal's recorded terms, if any.
pub async fn deal_terms_of(
    conn: &mut sqlx::AnyConnection,
    auction_id: &str,
) -> Result<Option<DealTermsView>> {
    let r = crate::store::deals::terms_of_auction(conn, auction_id).await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(DealTermsView {
        deal_id: r.deal_id,
        auction_id: r.auction_id,
        price: r.price_fen.to_string(),
        publicity_start: r.publicity_start.to_rfc3339(),
        publicity_end: r.publicity_end.to_rfc3339(),
        contract_effective_on: r.contract_effective_on,
        payment: r.payment,
        first_payment: r.first_payment_fen.map(|f| f.to_string()),
        balance_due_on: r.balance_due_on,
        security: r.security,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at.to_rfc3339(),
    }))
}

pub(crate) use crate::store::deals::DealRow;

/// The listing `auction_id` and its deal (404 for an unknown listing).
pub(crate) async fn deal_row(db: &ggzy_store::Db, auction_id: &str) -> Result<DealRow> {
    crate::store::deals::listing_with_deal(db, auction_id)
        .await?
        .ok_or_else(|| ggzy_core::Error::not_found("auction"))
}

/// Record the deal's publicity and payment terms (staff, admin): a property deal only, once.
pub async fn record_deal_terms(
    ctx: &ggzy_store::Ctx,
    actor: &ggzy_identity::Actor,
    auction_id: &str,
    t: DealTermsInput,
) -> Result<DealTermsView> {
    use ggzy_core::Error;
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin])?;
    let now = ctx.clock.now();
    let row = deal_row(&ctx.db, auction_id).await?;
    let DealRow {
        market,
        phase,
        section_id,
        project_id,
        deal_id: deal,
        price_fen,
        winner_number,
    } = row;
    if market != "property" {
        return Err(Error::conflict(
            "auctions.deal_terms_property",
            "deal publicity and payment terms are recorded for property transfers (32号令)",
        ));
    }
    let (Some(deal_id), Some(price_fen), crate::rules::Phase::Deal) = (deal, price_fen, phase)
    else {
        return Err(Error::conflict(
            "auctions.not_deal",
            format!("the terms follow a deal; this listing is {phase}"),
        ));
    };
    let mut missing = std::collections::BTreeSet::new();
    let rules = DealRules::national();
    let terms = check_deal_terms(&rules, &ctx.calendar, price_fen, &t, &mut missing)
        .map_err(Error::Validation)?;
    let mut tx = ctx.db.begin().await?;
    let recorded = crate::store::deals::insert_terms(
        &mut tx,
        &deal_id,
        auction_id,
        &terms,
        &actor.user_id,
        now,
    )
    .await?;
    if !recorded {
        tx.rollback().await?;
        return Err(Error::conflict(
            "auctions.deal_terms_recorded",
            "this deal's terms are already recorded",
        ));
    }
    // The payment schedule opens with the terms (32号令 第二十八条, crate::property_payment).
    crate::property_payment::open(
        &mut tx,
        &ctx.db,
        (&actor.actor_ref(), now),
        crate::property_payment::DealPrice {
            deal_id: &deal_id,
            auction_id,
            price_fen,
        },
        &terms,
        rules.payment_working_days,
    )
    .await?;
    let answer = deal_terms_of(&mut tx, auction_id)
        .await?
        .ok_or_else(|| Error::internal("deal terms just recorded"))?;
    ggzy_store::emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        ggzy_events::Contract::encode(&ggzy_events::auctions::DealTermsRecorded {
            auction_id: auction_id.to_string(),
            deal_id: deal_id.clone(),
            section_id: section_id.clone(),
            project_id: project_id.clone(),
            market: market.clone(),
            winner_number: winner_number.clone(),
            price: ggzy_core::Money::from_fen(price_fen),
            publicity_start: ggzy_core::time::from_micros(to_micros(terms.publicity_start)),
            publicity_end: ggzy_core::time::from_micros(to_micros(terms.publicity_end)),
            contract_effective_on: answer.contract_effective_on.clone(),
            payment: answer.payment.clone(),
            first_payment: terms.first_payment_fen.map(ggzy_core::Money::from_fen),
            balance_due_on: answer.balance_due_on.clone(),
            security: answer.security.clone(),
            periods_provisional: !missing.is_empty(),
        }),
    )
    .await?;
    ctx.db.commit_answering(tx, 201, &answer, now).await?;
    Ok(answer)
}

/// The deal's recorded terms (staff, admin, supervisor); 404 while none are recorded.
pub async fn deal_terms(
    ctx: &ggzy_store::Ctx,
    actor: &ggzy_identity::Actor,
    auction_id: &str,
) -> Result<DealTermsView> {
    use ggzy_identity::Role;
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let mut conn = ctx.db.pool().acquire().await?;
    deal_terms_of(&mut conn, auction_id)
        .await?
        .ok_or_else(|| ggzy_core::Error::not_found("deal terms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instalments_pay_30_percent_first_and_the_rest_within_a_year_secured() {
        let cal = ggzy_core::calendar::BusinessCalendar::official();
        let r = DealRules::national();
        let t = |first: &str, due: &str, security: Option<&str>| DealTermsInput {
            // Tuesday 31 March 2026 10:00 Beijing; 5 working days across 清明 (4-6 April) end at
            // 24:00 of Wednesday 8 April.
            publicity_start: "2026-03-31T10:00:00+08:00".parse().unwrap(),
            publicity_end: "2026-04-09T00:00:00+08:00".parse().unwrap(),
            contract_effective_on: "2026-04-01".parse().unwrap(),
            payment: "instalments".into(),
            first_payment: Some(first.into()),
            balance_due_on: Some(due.parse().unwrap()),
            security: security.map(Into::into),
        };
        let m = &mut Default::default();
        let ok = check_deal_terms(
            &r,
            &cal,
            100_000_000,
            &t("300000.00", "2027-04-01", Some("银行保函 BG-1")),
            m,
        );
        assert!(ok.is_ok(), "{ok:?}");
        let rules = |x: std::result::Result<DealTerms, Vec<FieldError>>| {
            x.unwrap_err()
                .into_iter()
                .map(|e| e.rule)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rules(check_deal_terms(
                &r,
                &cal,
                100_000_000,
                &t("299999.99", "2027-04-01", Some("保函")),
                m
            )),
            ["auctions.payment_first_share"]
        );
        assert_eq!(
            rules(check_deal_terms(
                &r,
                &cal,
                100_000_000,
                &t("300000.00", "2027-04-02", Some("保函")),
                m
            )),
            ["auctions.payment_balance_within_year"]
        );
        assert_eq!(
            rules(check_deal_terms(
                &r,
                &cal,
                100_000_000,
                &t("300000.00", "2027-04-01", Some(" ")),
                m
            )),
            ["auctions.payment_security"]
        );
        let mut short = t("300000.00", "2027-04-01", Some("保函"));
        short.publicity_end = "2026-04-08T23:59:59+08:00".parse().unwrap();
        assert_eq!(
            rules(check_deal_terms(&r, &cal, 100_000_000, &short, m)),
            ["auctions.deal_publicity_period"]
        );
        assert!(m.is_empty(), "2026 is a loaded year: {m:?}");
    }

    #[test]
    fn the_first_floor_may_equal_the_appraisal_and_one_fen_less_is_refused() {
        assert!(first_floor_allowed(100_000_000, 100_000_000));
        assert!(!first_floor_allowed(99_999_999, 100_000_000));
        assert!(first_floor_allowed(100_000_001, 100_000_000));
    }

    fn upload(date: &str, content: &str) -> ConsentUpload {
        ConsentUpload {
            approving_body: "某市国资委".into(),
            signed_by: "张三".into(),
            consented_on: date.parse().unwrap(),
            file_name: "同意函.pdf".into(),
            content_base64: content.into(),
        }
    }

    #[test]
    fn a_consent_dated_today_is_hashed_and_one_dated_tomorrow_is_refused() {
        let today: NaiveDate = "2026-04-01".parse().unwrap();
        let c = validate_consent(&upload("2026-04-01", "aGVsbG8="), today).unwrap();
        // SHA-256 of "hello".
        assert_eq!(
            c.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(c.size_bytes, 5);
        let e = validate_consent(&upload("2026-04-02", "aGVsbG8="), today).unwrap_err();
        assert_eq!(e[0].rule, "auctions.floor_consent_date");
        let e = validate_consent(&upload("2026-04-01", ""), today).unwrap_err();
        assert_eq!(e[0].rule, "auctions.floor_consent_document");
        let e = validate_consent(&upload("2026-04-01", "not base64!"), today).unwrap_err();
        assert_eq!(e[0].rule, "auctions.floor_consent_document");
        let mut blank = upload("2026-04-01", "aGVsbG8=");
        blank.signed_by = "  ".into();
        let e = validate_consent(&blank, today).unwrap_err();
        assert_eq!(e[0].field, "consent.signed_by");
    }
}
