-- Regional overrides of `remedy_rules` (issue 20, rem20d; docs/remedies.md "Regional overrides"),
-- as `rule_overrides` (migration 0131) does for the projects rules tables: one value of one
-- national row per override, for the platform's region, with the regional document cited. The
-- remedies use cases read the national row and apply the region's overrides (value and citation).
CREATE TABLE remedy_rule_overrides (
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    field TEXT NOT NULL,
    value BIGINT NOT NULL,
    citation TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (region, market, kind, target, field)
);
