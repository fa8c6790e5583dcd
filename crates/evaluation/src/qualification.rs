//! The purchaser's qualification review in government procurement, as the evaluation area sees it
//! (issue 20; 财政部令第87号 第四十四条: after the opening the purchaser or its agency reviews the
//! suppliers' qualification; the committee then reviews compliance and scores).
//!
//! The projects area records the review and writes `projects.qualification.reviewed`
//! {section_id, qualified: [org_id]}; [`project`] keeps the qualified suppliers in
//! `eval_sections.qualified`. For a `procurement` section the committee's work waits for it
//! ([`pending`]: stage `waiting`, the use cases answer 409 `evaluation.qualification_pending`) and
//! covers only the qualified suppliers ([`admits`]). Other markets are unchanged: their committee
//! reviews the qualification itself.

use ggzy_core::events::Event;
use ggzy_core::{Error, Result};
use ggzy_events::projects::QualificationReviewed;
use ggzy_events::Contract;
use ggzy_store::Tx;

/// The rule of a committee step refused before the purchaser's qualification review.
pub const PENDING_RULE: &str = "evaluation.qualification_pending";

/// Keep the qualified suppliers of `projects.qualification.reviewed`.
pub(crate) async fn project(tx: &mut Tx, ev: &Event, now: i64) -> Result<()> {
    let r = QualificationReviewed::decode(ev)?;
    let json = serde_json::to_string(&r.qualified).map_err(|e| Error::internal(e.to_string()))?;
    crate::store::sections::set_qualified(tx, &r.section_id, &json, now).await
}

/// Does the committee of a section of `market` still wait for the purchaser's review? Pure.
pub fn pending(market: &str, qualified: Option<&[String]>) -> bool {
    market == "procurement" && qualified.is_none()
}

/// Does the committee evaluate supplier `org_id`? Everyone in the other markets; in procurement
/// only the suppliers the purchaser found qualified. Pure.
pub fn admits(market: &str, qualified: Option<&[String]>, org_id: &str) -> bool {
    market != "procurement" || qualified.is_some_and(|q| q.iter().any(|o| o == org_id))
}

/// The refusal of a committee step before the review.
pub fn pending_error() -> Error {
    Error::conflict(
        PENDING_RULE,
        "the purchaser or its agency reviews the suppliers' qualification first; the committee \
         evaluates the qualified suppliers (财政部令第87号 第四十四条)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procurement_waits_for_the_review_and_admits_only_the_qualified() {
        let q = vec!["a".to_string(), "b".to_string()];
        assert!(pending("procurement", None));
        assert!(!pending("procurement", Some(&q)));
        assert!(!pending("construction", None));
        assert!(admits("procurement", Some(&q), "a"));
        assert!(!admits("procurement", Some(&q), "c"));
        assert!(!admits("procurement", None, "a"));
        assert!(admits("construction", None, "c"));
    }
}
