-- Seed for rush.pgbench.sql: the rows the rush's requests read, in a scratch database migrated by
-- `ggzy migrate` (so tables, indexes and constraints are the server's own). psql -v bidders=N.
INSERT INTO projects (id, code, name, market, procedure, region, tenderer_uscc, tenderer_name, owner_org_id,
                      created_by, status, created_at, updated_at)
VALUES ('rush-p', 'RUSH', 'pgbench rush', 'construction', 'open_tender', '210200', '91110000802100433B',
        'tenderer', 'org-tenderer', 'u-tenderer', 'registered', 0, 0);
INSERT INTO sections (id, project_id, section_no, name, estimated_price_fen, deposit_fen, docs_issue_at,
                      docs_sale_end_at, bid_deadline, opening_at, state, created_at, updated_at)
VALUES ('rush-s', 'rush-p', 1, 'one', 1000000000, 20000000, 0, 0, 9000000000000000, 9000000000000000,
        'bidding', 0, 0);
INSERT INTO deposit_sections (section_id, project_id, market, deposit_fen, bid_deadline, updated_at)
VALUES ('rush-s', 'rush-p', 'construction', 20000000, 9000000000000000, 0);
INSERT INTO users (id, username, display_name, password_hash, role, org_id, disabled, created_at)
VALUES ('u-bank', 'rushbank', 'bank', 'x', 'bank', NULL, 0, 0);
INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('tok-bank', 'u-bank', 0, 9000000000000000);
INSERT INTO organizations (id, uscc, name, kind, legal_representative, legal_representative_id, basic_account_bank,
                           basic_account_no, region, created_at)
SELECT 'org-' || i, 'USCC' || i, 'bidder ' || i, 'bidder', 'rep ' || i, NULL, 'bank', 'ACC' || i, '210200', 0
FROM generate_series(1, :bidders) i;
INSERT INTO project_orgs (id, uscc, name, kind, legal_representative, legal_representative_id, region, updated_at)
SELECT 'org-' || i, 'USCC' || i, 'bidder ' || i, 'bidder', 'rep ' || i, NULL, '210200', 0
FROM generate_series(1, :bidders) i;
INSERT INTO deposit_orgs (org_id, uscc, name, basic_account_no, updated_at)
SELECT 'org-' || i, 'USCC' || i, 'bidder ' || i, 'ACC' || i, 0 FROM generate_series(1, :bidders) i;
INSERT INTO users (id, username, display_name, password_hash, role, org_id, disabled, created_at)
SELECT 'u-' || i, 'rushuser' || i, 'bidder ' || i, 'x', 'bidder', 'org-' || i, 0, 0 FROM generate_series(1, :bidders) i;
INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
SELECT 'tok-' || i, 'u-' || i, 0, 9000000000000000 FROM generate_series(1, :bidders) i;
CREATE SEQUENCE rush_bidder;
CREATE SEQUENCE rush_account_no;
