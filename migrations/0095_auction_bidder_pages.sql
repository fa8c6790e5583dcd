-- Auctions: what the bidder's pages show of their own application, from events the area already
-- follows: the registration id (projects.registration.created, for the link to the deposit page)
-- and the section's deposit (projects.section.registered), in fen.
ALTER TABLE auction_bidders ADD COLUMN registration_id TEXT;
ALTER TABLE auction_sections ADD COLUMN deposit_fen BIGINT;
