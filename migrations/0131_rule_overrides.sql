-- Regional overrides of the legal periods and caps (issue 22, item 4): one row per value the
-- administrator set for a region, with the regional document that sets it. The region's row of
-- project_rules / opening_rules / award_rules is rebuilt from the national row ('CN') and these
-- overrides in the same transaction (crates/projects/src/regional.rs). procedure is '' for the
-- tables without one.
CREATE TABLE rule_overrides (
    rules_table TEXT NOT NULL,
    region TEXT NOT NULL,
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    field TEXT NOT NULL,
    value BIGINT NOT NULL,
    citation TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (rules_table, region, market, procedure, field)
);
