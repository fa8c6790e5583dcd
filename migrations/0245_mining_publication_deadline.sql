-- Monitoring (电子监察): the deadline to publish a mining-right deal's result (结果公示). A mining
-- deal's result is published within 5 working days of the deal (矿业权出让交易规则, 自然资规〔2023〕1号,
-- article not verified — secondary, provincial online rules; docs/procedures.md). Publication cannot
-- be forced by software: monitoring keeps the deadline of each mining section's deal and raises
-- `mining.result_publication_overdue` when it passes unpublished (crates/monitoring,
-- projection/publication.rs; docs/monitoring.md).

-- The section's procedure, from `projects.section.registered` (sections registered before this
-- migration keep NULL: no deadline is kept for them).
ALTER TABLE mon_sections ADD COLUMN procedure TEXT;

-- One deadline per mining section: the first deal (or tender award) sets it.
CREATE TABLE mon_publication_deadlines (
    section_id TEXT PRIMARY KEY,
    project_id TEXT,
    procedure TEXT NOT NULL,
    -- `auctions.deal.confirmed`'s deal_id, or the `projects.award.confirmed` event's id.
    deal_ref TEXT NOT NULL,
    deal_event_id TEXT NOT NULL,
    deal_at BIGINT NOT NULL,
    -- 24:00 Beijing of the last working day to publish.
    due_at BIGINT NOT NULL,
    working_days BIGINT NOT NULL,
    -- 1 when the deadline counted a year without a holiday schedule (weekends only).
    provisional BIGINT NOT NULL DEFAULT 0,
    -- The result announcement (`deal` or `award` type) seen published for the section.
    published_at BIGINT,
    announcement_id TEXT,
    -- When monitoring raised the overdue alert (NULL: none raised).
    overdue_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mon_publication_deadlines_due ON mon_publication_deadlines (due_at);
