//! Every SQL statement of the experts area, one `pub(crate)` function per statement (issue 17,
//! item 2): the use cases ([`crate::service`], [`crate::committee`], [`crate::contrib`],
//! [`crate::relations`], [`crate::notify`], [`crate::sections`]) keep the decisions — validation,
//! rules, avoidance, events, timers, access checks, error mapping (`on_unique`) — and call these
//! for their reads and writes, in the same order inside their transactions as before.
//!
//! The area owns these tables (migrations 0004, 0015, 0047, 0120, 0132, 0136, 0150, 0180), fed
//! only by its own use cases and by the other areas' events it consumes; no other area reads them:
//!
//! - [`pool`]: `experts`, `expert_conflicts`, `expert_leaves` (the pool: records, declared
//!   conflicts, leaves), `expert_relations` (person-level avoidance relations), `expert_ratings`
//!   and `expert_violations` (what automatic suspension counts);
//! - [`draws`]: `expert_draws` (each draw with its request, snapshot and result),
//!   `expert_draw_members` (members and ordered backups, their state) and `expert_assignments`
//!   (the experts' bookings that later draws avoid);
//! - [`requests`]: `expert_draw_requests` (two-step draws: commitments, fixed checkpoint, secrets),
//!   and the reads of the store crate's `events` and `log_checkpoints` a two-step draw is fixed by
//!   and verified against;
//! - [`notifications`]: `expert_notifications` (the notices' outbox);
//! - [`copies`]: the area's copies of other areas' facts — `expert_orgs` (written through
//!   [`ggzy_store::copies::OrgCopy`]), `expert_users`, `expert_sections`,
//!   `expert_section_bidders`, `expert_section_names` and `expert_section_terms`.

pub(crate) mod copies;
pub(crate) mod draws;
pub(crate) mod notifications;
pub(crate) mod pool;
pub(crate) mod requests;
