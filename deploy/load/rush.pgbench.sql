-- pgbench script: one "transaction" = one bidder of the deadline rush issued directly to PostgreSQL,
-- statement for statement what the server runs for the four requests of tests/examples/rush.rs
-- (taken from the PostgreSQL statement log of a real rush, docs/benchmarks.md, and kept in step with
-- the code since): for each request the session lookup, then the request's transaction with its
-- domain event (the NOTIFY that wakes the sealers folded into the event's INSERT) and its
-- Idempotency-Key, claimed in that transaction together with the stored answer (since 2026-12-08;
-- crates/store/src/idempotency.rs, scope_claiming). The registration holds the section row FOR SHARE
-- (since 2026-12-08; it was FOR UPDATE, which serialized every registration of the section). Not
-- included: HTTP, JSON, token hashing, the Ed25519 receipt signature, AES-GCM/SHA-256 over the
-- 64 KiB package and writing it to the file store. Kept in step with the code on 2026-12-08 (f35a5bb:
-- one read of the section for a registration, the section and registration read once by an upload,
-- the bank callback's credits not read again).
-- (The actor "user:…" is written with chr(58): pgbench would read ":u" as a variable.)
-- Run: pgbench -n -f rush.pgbench.sql -c C -t T (C × T = bidders) after rush-pgbench-init.sql.
SELECT nextval('rush_bidder') AS b \gset
\set now 1700000000000000

-- 1. POST /api/v1/sections/{id}/registrations
SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = 'tok-' || :b::text;
BEGIN;
SELECT s.id, s.project_id, s.state, s.bid_deadline, p.owner_org_id, p.tenderer_uscc, p.market, p.procedure FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = 'rush-s' FOR SHARE;
SELECT id, uscc, name FROM project_orgs WHERE id = 'org-' || :b::text;
SELECT id FROM section_registrations WHERE section_id = 'rush-s' AND org_id = 'org-' || :b::text;
SELECT id, uscc, kind, reason, source_document, from_date, to_date, created_by, created_at FROM sanctions WHERE uscc = 'USCC' || :b::text ORDER BY from_date;
SELECT relation FROM section_interested_parties WHERE section_id = 'rush-s' AND uscc = 'USCC' || :b::text;
SELECT market, procedure, seq, stage, period_days, period_working, period_from, min_count, source FROM procedure_stages WHERE market = 'construction' AND procedure = 'open_tender' ORDER BY seq;
SELECT method FROM nontender_invitations WHERE section_id = 'rush-s';
INSERT INTO section_registrations (id, section_id, org_id, uscc, org_name, registered_by, created_at) VALUES (gen_random_uuid()::text, 'rush-s', 'org-' || :b::text, 'USCC' || :b::text, 'bidder ' || :b::text, 'u-' || :b::text, :now);
INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) SELECT gen_random_uuid()::text, 'projects.registration.created', 'section', 'rush-s', 'user' || chr(58) || 'u-' || :b::text, 'org-' || :b::text, :now, '{"registration_id":"01JXXXXXXXXXXXXXXXXXXXXXXX","section_id":"rush-s","project_id":"rush-p","org_id":"org-' || :b::text || '","uscc":"USCC' || :b::text || '"}' FROM (SELECT pg_notify('ggzy_written', '')) AS wake;
INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at, status, content_type, response_body, completed_at, committed) VALUES ('u-' || :b::text, 'reg-' || :b::text, 'POST', '/api/v1/sections/rush-s/registrations', repeat('a', 64), :now, 201, 'application/json', repeat('r', 220), :now, 1) ON CONFLICT (principal, idem_key) DO NOTHING;
COMMIT;

-- 2. POST /api/v1/deposits/accounts
SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = 'tok-' || :b::text;
SELECT section_id, market, deposit_fen FROM deposit_sections WHERE section_id = 'rush-s';
SELECT id, account_no FROM deposit_accounts WHERE org_id = 'org-' || :b::text AND section_id = 'rush-s';
BEGIN;
SELECT nextval('rush_account_no') AS acc \gset
INSERT INTO deposit_accounts (id, account_no, org_id, section_id, created_by, created_at) VALUES (gen_random_uuid()::text, 'VA' || :acc::text, 'org-' || :b::text, 'rush-s', 'u-' || :b::text, :now) ON CONFLICT (org_id, section_id) DO NOTHING;
INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) SELECT gen_random_uuid()::text, 'deposits.account.issued', 'deposit_account', 'VA' || :acc::text, 'user' || chr(58) || 'u-' || :b::text, 'org-' || :b::text, :now, '{"account_no":"VA' || :acc::text || '","org_id":"org-' || :b::text || '","section_id":"rush-s"}' FROM (SELECT pg_notify('ggzy_written', '')) AS wake;
INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at, status, content_type, response_body, completed_at, committed) VALUES ('u-' || :b::text, 'acc-' || :b::text, 'POST', '/api/v1/deposits/accounts', repeat('a', 64), :now, 201, 'application/json', repeat('r', 200), :now, 1) ON CONFLICT (principal, idem_key) DO NOTHING;
COMMIT;

-- 3. POST /api/v1/bank/callbacks/transfers (the bank)
SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = 'tok-bank';
SELECT id FROM deposit_transfers WHERE bank_txn_id = 'TXN' || :b::text;
BEGIN;
SELECT org_id, section_id FROM deposit_accounts WHERE account_no = 'VA' || :acc::text FOR UPDATE;
SELECT market, deposit_fen, bid_deadline, bid_validity_days FROM deposit_sections WHERE section_id = 'rush-s';
SELECT basic_account_no FROM deposit_orgs WHERE org_id = 'org-' || :b::text;
SELECT amount_fen, value_at, status FROM deposit_transfers WHERE org_id = 'org-' || :b::text AND section_id = 'rush-s' ORDER BY value_at;
INSERT INTO deposit_transfers (id, bank_txn_id, account_no, payer_account_no, payer_name, amount_fen, value_at, received_at, status, reason, org_id, section_id) VALUES ('tr-' || :b::text, 'TXN' || :b::text, 'VA' || :acc::text, 'ACC' || :b::text, 'bidder ' || :b::text, 20000000, :now, :now, 'credited', NULL, 'org-' || :b::text, 'rush-s');
INSERT INTO deposit_journal_entries (id, memo, transfer_id, created_at) VALUES ('je-' || :b::text, 'deposit received', 'tr-' || :b::text, :now);
INSERT INTO deposit_journal_lines (id, entry_id, line_no, account_type, account_key, debit_fen, credit_fen) VALUES (gen_random_uuid()::text, 'je-' || :b::text, 1, 'bank', 'custody', 20000000, 0);
INSERT INTO deposit_journal_lines (id, entry_id, line_no, account_type, account_key, debit_fen, credit_fen) VALUES (gen_random_uuid()::text, 'je-' || :b::text, 2, 'deposit', 'rush-s/org-' || :b::text, 0, 20000000);
INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) SELECT gen_random_uuid()::text, 'deposits.transfer.received', 'deposit_transfer', 'tr-' || :b::text, 'user' || chr(58) || 'u-bank', NULL, :now, '{"transfer_id":"tr-' || :b::text || '","section_id":"rush-s","org_id":"org-' || :b::text || '","amount":"200000.00","status":"credited","payer_account_no":"ACC' || :b::text || '"}' FROM (SELECT pg_notify('ggzy_written', '')) AS wake;
INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) SELECT gen_random_uuid()::text, 'deposits.deposit.valid', 'section', 'rush-s', 'user' || chr(58) || 'u-bank', NULL, :now, '{"section_id":"rush-s","org_id":"org-' || :b::text || '","form":"cash","amount":"200000.00"}' FROM (SELECT pg_notify('ggzy_written', '')) AS wake;
INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at, status, content_type, response_body, completed_at, committed) VALUES ('u-bank', 'pay-' || :b::text, 'POST', '/api/v1/bank/callbacks/transfers', repeat('a', 64), :now, 200, 'application/json', repeat('r', 150), :now, 1) ON CONFLICT (principal, idem_key) DO NOTHING;
COMMIT;

-- 4. PUT /api/v1/sections/{id}/bids/mine
SELECT u.id, u.username, u.display_name, u.role, u.org_id, s.expires_at, s.revoked_at, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = 'tok-' || :b::text;
-- (the early check, on the pool, before the package is received)
SELECT project_id, state, bid_deadline FROM sections WHERE id = 'rush-s';
SELECT id FROM section_registrations WHERE section_id = 'rush-s' AND org_id = 'org-' || :b::text;
SELECT p.procedure FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = 'rush-s';
SELECT case_id FROM section_suspensions WHERE section_id = 'rush-s' LIMIT 1;
BEGIN;
SELECT project_id, state, bid_deadline FROM sections WHERE id = 'rush-s' FOR SHARE;
SELECT id FROM section_registrations WHERE section_id = 'rush-s' AND org_id = 'org-' || :b::text FOR UPDATE;
SELECT receipt, signature, key_id, plaintext_digest, ciphertext_sha256, version, id FROM bids WHERE section_id = 'rush-s' AND org_id = 'org-' || :b::text AND status = 'current';
SELECT p.procedure FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = 'rush-s';
SELECT case_id FROM section_suspensions WHERE section_id = 'rush-s' LIMIT 1;
SELECT COALESCE(MAX(version), 0) FROM bids WHERE section_id = 'rush-s' AND org_id = 'org-' || :b::text;
INSERT INTO server_keys (id, algorithm, secret_key, public_key, created_at) VALUES ('k1', 'ed25519', '', repeat('p', 44), :now) ON CONFLICT (id) DO NOTHING;
INSERT INTO bids (id, section_id, org_id, version, status, plaintext_digest, ciphertext_sha256, size, file_name, device_fingerprint, file_creator, uploader_ip, uploaded_by, received_at, receipt, signature, key_id, updated_at, suite, project_manager_id, representative_id, decryption) VALUES (gen_random_uuid()::text, 'rush-s', 'org-' || :b::text, 1, 'current', repeat('d', 64), repeat('c', 64), 65800, 'bid.ggzy', 'rush-device-' || :b::text, NULL, '127.0.0.1', 'u-' || :b::text, :now, repeat('r', 330), repeat('s', 88), 'k1', :now, 'aes-256-gcm+sha-256', NULL, NULL, 'pending');
INSERT INTO events (id, event_type, aggregate_type, aggregate_id, actor, actor_org, occurred_at, payload) SELECT gen_random_uuid()::text, 'projects.bid.received', 'section', 'rush-s', 'user' || chr(58) || 'u-' || :b::text, 'org-' || :b::text, :now, '{"bid_id":"b","section_id":"rush-s","org_id":"org-' || :b::text || '","version":1,"ciphertext_sha256":"' || repeat('c', 64) || '","size":65800,"device_fingerprint":"rush-device-' || :b::text || '","uploader_ip":"127.0.0.1"}' FROM (SELECT pg_notify('ggzy_written', '')) AS wake;
INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, created_at, status, content_type, response_body, completed_at, committed) VALUES ('u-' || :b::text, 'bid-' || :b::text, 'PUT', '/api/v1/sections/rush-s/bids/mine', repeat('a', 64), :now, 201, 'application/json', repeat('r', 700), :now, 1) ON CONFLICT (principal, idem_key) DO NOTHING;
COMMIT;
