//! Mandatory failure (废标) after the review.

use super::*;
use ggzy_events::evaluation::BidRejected;
use ggzy_events::projects::SectionFailed;
use ggzy_events::Contract;

// Mandatory failure (废标) after the review.

/// Fewest qualified and compliant suppliers with which a procurement goes on (政府采购法 第三十六条
/// 第一款第一项: 符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的, 应予废标;
/// 财政部令第87号 第四十三条).
pub const MIN_QUALIFIED: i64 = 3;
pub const MIN_QUALIFIED_SOURCE: &str = "政府采购法 第三十六条; 财政部令第87号 第四十三条";

/// Does a procurement with `qualified` suppliers left after the review go on? Pure.
pub fn enough_qualified(qualified: i64) -> bool {
    qualified >= MIN_QUALIFIED
}

/// The 废标 of a procurement section left with `opened - rejected` qualified suppliers (below
/// [`MIN_QUALIFIED`]), as both reviews (the qualification record and the committee's rejections)
/// report it.
pub(crate) fn too_few_qualified(
    section_id: &str,
    project_id: &str,
    (opened, rejected): (i64, i64),
    now: Timestamp,
) -> SectionFailed {
    SectionFailed {
        opened_count: Some(opened),
        rejected_count: Some(rejected),
        qualified_count: Some(opened - rejected),
        min_qualified: Some(MIN_QUALIFIED),
        basis: Some(MIN_QUALIFIED_SOURCE.to_string()),
        ..SectionFailed::new(
            section_id,
            project_id,
            "procurement",
            "too_few_qualified",
            now,
        )
    }
}

/// Consumer of `evaluation.bid.rejected` (the committee's majority rejected a bid in its
/// qualification or compliance review): records the rejection, and for a procurement section still
/// in evaluation counts the opened bids not rejected; fewer than [`MIN_QUALIFIED`] ends the section
/// as failed (`projects.section.failed`, reason `too_few_qualified`). A second delivery changes
/// nothing (the rejection is recorded once; a failed section is left alone).
pub struct ReviewRejections;

#[async_trait::async_trait]
impl ggzy_store::consumer::Consumer for ReviewRejections {
    fn subscription(&self) -> ggzy_store::consumer::Subscription {
        ggzy_store::consumer::Subscription::new("projects.review_rejections", &[BidRejected::NAME])
    }

    /// Decoded through the contract: an event that does not decode fails the consumer, which
    /// parks it with an alert after its retries (ggzy-events crate docs) — never skipped.
    async fn handle(
        &self,
        tx: &mut Tx,
        db: &Db,
        clock: &Clock,
        ev: &ggzy_core::events::Event,
    ) -> Result<()> {
        let r = BidRejected::decode(ev)?;
        let (section_id, org_id) = (r.section_id.as_str(), r.org_id.as_str());
        let now = clock.now();
        crate::store::procurement::insert_rejection(tx, section_id, org_id, &ev.id, now).await?;
        let exists = crate::store::procurement::section_exists(tx, section_id).await?;
        if !exists {
            return Ok(());
        }
        let sec = load_sec(db, tx, section_id, true).await?;
        if sec.market != Market::Procurement || sec.state != SectionState::Evaluating {
            return Ok(());
        }
        let opened = crate::store::procurement::opened_count(tx, section_id).await?;
        let rejected = crate::store::procurement::rejected_count(tx, section_id).await?;
        let qualified = opened - rejected;
        // Non-tender methods: their own minimum (single source goes on with its one supplier, a
        // consultation with a declared exception with 2).
        let min = match crate::rules::Procedure::parse(&sec.procedure).ok() {
            Some(p) => crate::nontender::section_min_suppliers(tx, section_id, p).await?,
            None => None,
        };
        if let Some((min, _)) = min {
            if qualified >= min {
                return Ok(());
            }
        } else if enough_qualified(qualified) {
            return Ok(());
        }
        let next = crate::model::transition(sec.state, crate::model::SectionAction::Fail)?;
        crate::service::set_section_state(tx, section_id, sec.state, next, now).await?;
        emit(
            tx,
            db,
            &ActorRef::system("projects.review_rejections"),
            now,
            too_few_qualified(section_id, &sec.project_id, (opened, rejected), now).encode(),
        )
        .await?;
        Ok(())
    }
}
