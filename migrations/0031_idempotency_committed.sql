-- Set inside the handler's own transaction (ggzy_store::Db::commit) when a request carrying an
-- Idempotency-Key commits a change. If the instance dies before the answer is stored, a retry sees
-- that the change was made and is not run a second time.
ALTER TABLE idempotency_keys ADD COLUMN committed BIGINT NOT NULL DEFAULT 0;
