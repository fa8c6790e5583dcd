-- Pre-emption: a shareholder that did not answer within 30 days of the written notice is deemed to
-- waive (公司法 2023 第八十四条: 股东自接到书面通知之日起三十日内未答复的，视为放弃优先购买权).
-- Stored as a waiver (decision 'waived', migration 0202) with `deemed` = 1; its `decided_on` is the
-- date the notice was received and its document the notice with the proof of delivery.
-- crates/auctions/src/preemption.rs; docs/procedures.md.
ALTER TABLE auction_preemption_shareholders ADD COLUMN deemed BIGINT NOT NULL DEFAULT 0;
