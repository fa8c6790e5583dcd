-- Auctions: the section's deposit (保证金) as the bidder's land and property pages show it, learnt
-- from projects.section.registered (the area already follows it), in fen.
ALTER TABLE auction_sections ADD COLUMN deposit_fen BIGINT;
