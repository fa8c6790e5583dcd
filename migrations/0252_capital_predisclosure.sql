-- The auctions area's copy of a section keeps when its first pre-disclosure (信息预披露, announcement
-- type property_predisclosure) was published: a capital increase pre-disclosed before its formal
-- disclosure lasts at least 20 working days formally and 40 together (国资发产权规〔2022〕39号;
-- issue 21).
ALTER TABLE auction_sections ADD COLUMN predisclosed_at BIGINT;
