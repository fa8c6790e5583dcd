-- Unified deposit management (统一保证金管理). Portable SQL, same conventions as 0001: TEXT ids from
-- the application, BIGINT microseconds for instants, BIGINT fen for money.

-- Projection of sections (from `projects.section.registered`): what deposits need to know.
CREATE TABLE deposit_sections (
    section_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    market TEXT NOT NULL,
    deposit_fen BIGINT NOT NULL,
    bid_deadline BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Projection of organizations (from `identity.organization.registered`): the basic account (基本账户).
CREATE TABLE deposit_orgs (
    org_id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    basic_account_no TEXT,
    updated_at BIGINT NOT NULL
);

-- Counters for readable numbers (virtual sub-account numbers).
CREATE TABLE deposit_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Virtual sub-accounts (虚拟子账号): one per (bidder organization, section).
CREATE TABLE deposit_accounts (
    id TEXT PRIMARY KEY,
    account_no TEXT NOT NULL,
    org_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT deposit_accounts_no_key UNIQUE (account_no),
    CONSTRAINT deposit_accounts_org_section_key UNIQUE (org_id, section_id)
);
CREATE INDEX deposit_accounts_section_idx ON deposit_accounts (section_id);

-- Bank transfers reported by the bank's callback. The bank's transaction id is the idempotency key.
-- `status`: 'credited' (to the deposit) or 'unmatched' (held for return, see `reason`).
CREATE TABLE deposit_transfers (
    id TEXT PRIMARY KEY,
    bank_txn_id TEXT NOT NULL,
    account_no TEXT NOT NULL,
    payer_account_no TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    value_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('credited', 'unmatched')),
    reason TEXT,
    org_id TEXT,
    section_id TEXT,
    CONSTRAINT deposit_transfers_bank_txn_key UNIQUE (bank_txn_id)
);
CREATE INDEX deposit_transfers_section_idx ON deposit_transfers (section_id, org_id);

-- The double-entry journal (append-only: the application has no UPDATE or DELETE for these).
CREATE TABLE deposit_journal_entries (
    id TEXT PRIMARY KEY,
    memo TEXT NOT NULL,
    transfer_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE deposit_journal_lines (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES deposit_journal_entries (id),
    line_no BIGINT NOT NULL,
    account_type TEXT NOT NULL,
    account_key TEXT NOT NULL,
    debit_fen BIGINT NOT NULL CHECK (debit_fen >= 0),
    credit_fen BIGINT NOT NULL CHECK (credit_fen >= 0),
    CONSTRAINT deposit_journal_lines_entry_no_key UNIQUE (entry_id, line_no)
);
CREATE INDEX deposit_journal_lines_account_idx ON deposit_journal_lines (account_type, account_key);

-- Refund instructions to the bank (退款指令), built by the daily job. One per refunded transfer.
CREATE TABLE deposit_refunds (
    id TEXT PRIMARY KEY,
    transfer_id TEXT NOT NULL,
    org_id TEXT,
    section_id TEXT,
    payee_account_no TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    interest_fen BIGINT NOT NULL CHECK (interest_fen >= 0),
    reason TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('instructed')),
    created_at BIGINT NOT NULL,
    CONSTRAINT deposit_refunds_transfer_key UNIQUE (transfer_id)
);
