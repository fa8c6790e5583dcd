-- Re-listing a failed land listing (39号令 第十条): every land transfer announcement (出让公告) of a
-- section as the auctions area learns it, so a re-listing can be checked against a new announcement
-- published after the failed round; and the government's approval (a document and who approved) of a
-- lowered starting price. Portable SQL.
CREATE TABLE land_announcements (
    section_id TEXT NOT NULL,
    announcement_id TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, announcement_id)
);

CREATE TABLE land_relist_approvals (
    relist_id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    document TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
