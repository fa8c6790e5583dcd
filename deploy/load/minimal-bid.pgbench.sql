-- The limit for the PostgreSQL rush (issue 23): the smallest transaction a sealed bid's
-- acknowledgement could be — one bid row and one event row, committed (tables: minimal-bid-init.sql).
-- pgbench -n -M prepared -f deploy/load/minimal-bid.pgbench.sql -c 100 -j 2 -T 10 DB
BEGIN;
INSERT INTO lim_bids (id, section_id, digest, received_at)
VALUES (gen_random_uuid()::text, 'section', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', now());
INSERT INTO lim_events (name, payload, at) VALUES ('bid.received', repeat('x', 200), now());
COMMIT;
