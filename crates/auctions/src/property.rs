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
use sqlx::Row;
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
#[derive(Debug, Clone, Serialize, ToSchema)]
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
    sqlx::query(
        "INSERT INTO auction_floor_consents (id, auction_id, relist_id, approving_body, signed_by, \
         consented_on, file_name, sha256, size_bytes, content_b64, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(ggzy_core::ids::new_id())
    .bind(auction_id)
    .bind(relist_id)
    .bind(&c.approving_body)
    .bind(&c.signed_by)
    .bind(c.consented_on.to_string())
    .bind(&c.file_name)
    .bind(&c.sha256)
    .bind(c.size_bytes)
    .bind(&c.content_b64)
    .bind(recorded_by)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The consent recorded with re-listing `relist_id`, if any.
pub async fn consent_of(
    conn: &mut sqlx::AnyConnection,
    relist_id: &str,
) -> Result<Option<ConsentView>> {
    let r = sqlx::query(
        "SELECT approving_body, signed_by, consented_on, file_name, sha256, size_bytes, recorded_by \
         FROM auction_floor_consents WHERE relist_id = $1",
    )
    .bind(relist_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(ConsentView {
        approving_body: r.try_get(0)?,
        signed_by: r.try_get(1)?,
        consented_on: r.try_get(2)?,
        file_name: r.try_get(3)?,
        sha256: r.try_get(4)?,
        size_bytes: r.try_get(5)?,
        recorded_by: r.try_get(6)?,
    }))
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
    let r =
        sqlx::query("SELECT 1 FROM auction_sections WHERE section_id = $1 AND owner_org_id = $2")
            .bind(section_id)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(r.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

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
