//! The bidders' SME declarations (中小企业声明函, 政府采购促进中小企业发展管理办法 财库〔2020〕46号)
//! as the evaluation learns them: sealed in the bid package's manifest with the price
//! (docs/bid-package.md), carried by `projects.bid.decrypted` at the opening (`sme`: {scale,
//! by_small_micro}, null when none) into `eval_sme_declarations`. The comprehensive method's price
//! score deducts the documents' `sme_deduction` from the price of a small or micro enterprise whose
//! goods or services all come from small or micro enterprises ([`Declaration::deduction_applies`],
//! 46号 第九条 with 第四条; [`crate::rules::evaluated_price`]).

use crate::store::bids;
use ggzy_core::Result;
use ggzy_events::projects::BidDecrypted;
use ggzy_store::Tx;
use serde::Serialize;
use std::collections::HashMap;

/// One bidder's declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    /// `medium`, `small` or `micro`.
    pub scale: String,
    /// Every good or service offered comes from small or micro enterprises.
    pub by_small_micro: bool,
}

impl Declaration {
    /// The deduction is for small and micro enterprises offering only small or micro enterprises'
    /// goods or services (46号 第九条, 第四条).
    pub fn deduction_applies(&self) -> bool {
        matches!(self.scale.as_str(), "small" | "micro") && self.by_small_micro
    }
}

/// Keep the declaration of a decrypted bid (the latest decryption of the organization's bid in the
/// section wins; a bid without one removes an earlier row). Idempotent.
pub(crate) async fn project(tx: &mut Tx, b: &BidDecrypted, now: i64) -> Result<()> {
    if b.decryption != "decrypted" {
        return Ok(());
    }
    let (sid, org) = (b.section_id.as_str(), b.org_id.as_str());
    bids::delete_sme_declaration(tx, sid, org).await?;
    if let Some(d) = &b.sme {
        bids::insert_sme_declaration(tx, sid, org, &d.scale, d.by_small_micro, now).await?;
    }
    Ok(())
}

/// The declarations of a section's bidders, by organization.
pub(crate) async fn load(tx: &mut Tx, section_id: &str) -> Result<HashMap<String, Declaration>> {
    let rows = bids::sme_declarations(tx, section_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.org_id,
                Declaration {
                    scale: r.scale,
                    by_small_micro: r.by_small_micro,
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_or_micro_offering_small_or_micro_goods_gets_the_deduction() {
        let d = |scale: &str, by| Declaration {
            scale: scale.into(),
            by_small_micro: by,
        };
        assert!(d("micro", true).deduction_applies());
        assert!(d("small", true).deduction_applies());
        assert!(!d("small", false).deduction_applies());
        assert!(!d("medium", true).deduction_applies());
    }
}
