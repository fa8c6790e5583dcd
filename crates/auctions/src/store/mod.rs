//! Every SQL statement of the auctions area, one `pub(crate)` function per statement (or per
//! tightly-bound pair) (issue 17, item 2): the use cases ([`crate::service`], [`crate::land`],
//! [`crate::land_contract`], [`crate::property`], [`crate::preemption`],
//! [`crate::property_payment`], [`crate::capital_increase`], …), the projection and the pages keep
//! the decisions — validation, rules, events, timers, access checks — and call these for their
//! reads and writes, in the same order inside their transactions as before.
//!
//! The area owns these tables (migrations 0018, 0032, 0095, 0112, 0195–0197, 0200–0202, 0240,
//! 0241, 0246, 0249, 0250), fed only by its own use cases and by the other areas' events it
//! consumes; no other area reads them:
//!
//! - [`sections`]: `auction_sections`, `auction_bidders`, `auction_rooms`,
//!   `auction_onsite_bookings` (what it learns from projects, deposits, publishing and venues) and
//!   `auction_procedure_rules`;
//! - [`auctions`]: `auctions`, `auction_bids` and `auction_relists` (listings, bids, re-listings);
//! - [`deals`]: `auction_deals`, `auction_deal_terms`, `auction_floor_consents`,
//!   `auction_preemptions` and `auction_preemption_shareholders` (the deal and what follows a
//!   property deal);
//! - [`payments`]: `property_payment_schedules`, `property_payments`, `property_payment_overdue`,
//!   `property_deposit_credits` and `property_interest_rates` (a property deal's price paid);
//! - [`land`]: `land_listing_terms`, `land_eligibility`, `land_continue_requests`,
//!   `land_announcements`, `land_relist_approvals`, `land_contracts`, `land_contract_payments`
//!   and `land_contract_overdue` (the land market's own steps);
//! - [`capital`]: `capital_increases`, `capital_increase_criteria`, `capital_increase_scores`,
//!   `capital_increase_investors`, `capital_increase_selections` and
//!   `capital_increase_agreements` (企业增资).

pub(crate) mod auctions;
pub(crate) mod capital;
pub(crate) mod deals;
pub(crate) mod land;
pub(crate) mod payments;
pub(crate) mod sections;
