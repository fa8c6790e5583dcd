-- Publishing's own copy of organizations (from `identity.organization.registered`), so that the
-- deal announcement (成交公告) drafted from `auctions.deal.confirmed` names the buyer without
-- reading another area's tables.
CREATE TABLE publishing_orgs (
    org_id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
