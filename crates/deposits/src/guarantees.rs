//! Guarantees instead of cash (银行保函, 保证保险, 电子保函): recorded before the deadline, checked
//! against the section (amount, validity through the bid validity period), released like cash
//! (an event instead of money) or forfeited.

use crate::rules::{check_guarantee, GuaranteeKind, GuaranteeStatus};
use crate::service::section_info;
use crate::store;
use crate::store::guarantees::GuaranteeRow;
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::{ids, Error, FieldError, Money, Result};
use ggzy_events::deposits::GuaranteeRecorded;
use ggzy_events::Contract as _;
use ggzy_identity::{Actor, Role};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, Ctx};

const GUARANTEE_NUMBER: UniqueKey = UniqueKey::new(
    "deposit_guarantees_number_key",
    "deposit_guarantees",
    &["kind", "issuer", "number"],
);
const GUARANTEE_ORG_SECTION: UniqueKey = UniqueKey::new(
    "deposit_guarantees_org_section_key",
    "deposit_guarantees",
    &["section_id", "org_id"],
);
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest bid validity accepted in a request (a typo guard, not a legal limit).
pub const MAX_BID_VALIDITY_DAYS: i64 = 365;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewGuarantee {
    pub section_id: String,
    /// The bidder organization (staff only; a bidder records its own).
    pub org_id: Option<String>,
    pub kind: GuaranteeKind,
    /// Issuing bank or insurer (出具机构).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub issuer: String,
    /// Guarantee / policy number (保函编号).
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub number: String,
    pub amount: Money,
    pub valid_from: NaiveDate,
    /// Last day the guarantee is in force (inclusive).
    pub valid_until: NaiveDate,
    /// Verification code (验证码/校验码) printed on the guarantee for checking with the issuer.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub verification_code: String,
    /// Bid validity (投标有效期) in days, when the section's record does not carry it.
    #[schema(minimum = 1, maximum = 365)]
    pub bid_validity_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Guarantee {
    pub id: String,
    pub section_id: String,
    pub org_id: String,
    pub kind: String,
    pub issuer: String,
    pub number: String,
    pub amount: Money,
    pub valid_from: String,
    pub valid_until: String,
    pub bid_validity_days: i64,
    pub status: GuaranteeStatus,
    pub created_at: DateTime<Utc>,
}

fn required(field: &str, v: &str, max: usize) -> Option<FieldError> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        Some(FieldError::new(
            field,
            "required",
            format!("{field} is required (at most {max} characters)"),
        ))
    } else {
        None
    }
}

/// Record a guarantee for a registration (bidder for itself; staff for any organization).
#[tracing::instrument(skip_all, fields(section_id = %g.section_id))]
pub async fn record(ctx: &Ctx, actor: &Actor, g: NewGuarantee) -> Result<Guarantee> {
    actor.require(&[Role::Bidder, Role::Staff])?;
    let org_id = if actor.role == Role::Bidder {
        actor
            .org_id
            .clone()
            .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?
    } else {
        g.org_id
            .clone()
            .filter(|o| !o.trim().is_empty())
            .ok_or_else(|| {
                Error::field("org_id", "required", "the bidder organization is required")
            })?
    };
    let section_id = g.section_id.trim().to_string();
    let sec = section_info(ctx.db.pool(), &section_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("section {section_id}")))?;
    let now = ctx.clock.now();
    let mut errs: Vec<FieldError> = [
        required("issuer", &g.issuer, 200),
        required("number", &g.number, 100),
        required("verification_code", &g.verification_code, 100),
    ]
    .into_iter()
    .flatten()
    .collect();
    // A guarantee replaces the deposit only when it is in hand before the deadline (实施条例 26).
    if now >= sec.bid_deadline {
        errs.push(FieldError::new(
            "section_id",
            "guarantee.after_deadline",
            "the bid deadline has passed",
        ));
    }
    let validity = match sec.bid_validity_days.or(g.bid_validity_days) {
        Some(d) if (1..=MAX_BID_VALIDITY_DAYS).contains(&d) => Some(d),
        Some(_) => {
            errs.push(FieldError::new(
                "bid_validity_days",
                "range",
                format!("bid validity must be 1–{MAX_BID_VALIDITY_DAYS} days"),
            ));
            None
        }
        None => {
            errs.push(FieldError::new(
                "bid_validity_days",
                "required",
                "the section's bid validity (投标有效期) is not on record: give it in days",
            ));
            None
        }
    };
    if let Some(days) = validity {
        for (field, rule, msg) in check_guarantee(
            sec.deposit_fen,
            sec.bid_deadline,
            days as u32,
            g.amount.fen(),
            g.valid_from,
            g.valid_until,
        ) {
            errs.push(FieldError::new(field, rule, msg));
        }
    }
    if g.valid_until < g.valid_from {
        errs.push(FieldError::new(
            "valid_until",
            "range",
            "valid_until is before valid_from",
        ));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let days = validity.unwrap_or(0);
    let id = ids::new_id();
    let mut tx = ctx.db.begin().await?;
    store::guarantees::insert_guarantee(
        &mut tx,
        store::guarantees::NewGuarantee {
            id: &id,
            section_id: &section_id,
            org_id: &org_id,
            kind: g.kind.as_str(),
            issuer: g.issuer.trim(),
            number: g.number.trim(),
            amount: g.amount,
            valid_from: g.valid_from.to_string(),
            valid_until: g.valid_until.to_string(),
            verification_code: g.verification_code.trim(),
            bid_validity_days: days,
            recorded_by: &actor.user_id,
            at: now,
        },
    )
    .await
    .on_unique(&GUARANTEE_NUMBER, || {
        Error::conflict(
            "guarantee.number_used",
            "this guarantee (issuer and number) is already on record",
        )
    })
    .on_unique(&GUARANTEE_ORG_SECTION, || {
        Error::conflict(
            "guarantee.exists",
            "this bidder already has a guarantee for the section",
        )
    })?;
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        GuaranteeRecorded {
            guarantee_id: id.clone(),
            section_id: section_id.clone(),
            org_id: org_id.clone(),
            kind: g.kind.as_str().into(),
            issuer: g.issuer.trim().into(),
            number: g.number.trim().into(),
            amount: g.amount,
            valid_from: g.valid_from,
            valid_until: g.valid_until,
            bid_validity_days: days,
        }
        .encode(),
    )
    .await?;
    let guarantee = Guarantee {
        id,
        section_id,
        org_id,
        kind: g.kind.as_str().to_string(),
        issuer: g.issuer.trim().to_string(),
        number: g.number.trim().to_string(),
        amount: g.amount,
        valid_from: g.valid_from.to_string(),
        valid_until: g.valid_until.to_string(),
        bid_validity_days: days,
        status: GuaranteeStatus::Active,
        created_at: now,
    };
    ctx.db.commit_answering(tx, 201, &guarantee, now).await?;
    Ok(guarantee)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct GuaranteeQuery {
    pub section_id: String,
}

impl From<GuaranteeRow> for Guarantee {
    fn from(r: GuaranteeRow) -> Guarantee {
        Guarantee {
            id: r.id,
            section_id: r.section_id,
            org_id: r.org_id,
            kind: r.kind,
            issuer: r.issuer,
            number: r.number,
            amount: r.amount_fen,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            bid_validity_days: r.bid_validity_days,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

/// Guarantees of a section (staff, supervisor: all; bidder: its own).
pub async fn list(ctx: &Ctx, actor: &Actor, section_id: &str) -> Result<Vec<Guarantee>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Bidder])?;
    let own = if actor.role == Role::Bidder {
        actor
            .org_id
            .clone()
            .ok_or_else(|| Error::forbidden("your account belongs to no organization"))?
    } else {
        String::new()
    };
    let rows = store::guarantees::of_section(&ctx.db, section_id, &own).await?;
    Ok(rows.into_iter().map(Guarantee::from).collect())
}
