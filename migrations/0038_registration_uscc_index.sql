-- The joint-bidding check of a registration (实施条例 34) looks up only the section's registrations of
-- organizations the applicant declared a relation with, by USCC (crates/projects/src/bidding.rs
-- joint_bid_candidates); the other lookups use section_registrations_org_key and project_orgs_rep_idx.
CREATE INDEX section_registrations_uscc_idx ON section_registrations (section_id, uscc);
