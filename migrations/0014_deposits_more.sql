-- Deposits, continued: registrations, status fixed at the deadline, guarantees, refunds through the
-- lifecycle with bank confirmation, forfeiture with a second approver, bank statement reconciliation.
-- Portable SQL (SQLite and PostgreSQL), conventions of 0001.

-- Bid validity (投标有效期) in days, when the section's event carries it.
ALTER TABLE deposit_sections ADD COLUMN bid_validity_days BIGINT;

-- Projection of registrations (from `projects.registration.created`).
CREATE TABLE deposit_registrations (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    registration_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

-- Each registration's deposit status, fixed once when the bid deadline passes (`projects.section.closed`).
CREATE TABLE deposit_fixed_status (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'missing', 'invalid')),
    reason TEXT,
    form TEXT NOT NULL CHECK (form IN ('cash', 'guarantee', 'none')),
    counted_fen BIGINT NOT NULL,
    fixed_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

-- Guarantees instead of cash (银行保函, 保证保险, 电子保函).
CREATE TABLE deposit_guarantees (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bank_guarantee', 'guarantee_insurance', 'electronic_guarantee')),
    issuer TEXT NOT NULL,
    number TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    verification_code TEXT NOT NULL,
    bid_validity_days BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'released', 'forfeited')),
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    CONSTRAINT deposit_guarantees_number_key UNIQUE (kind, issuer, number),
    CONSTRAINT deposit_guarantees_org_section_key UNIQUE (section_id, org_id)
);

-- Why and when a deposit becomes refundable (first trigger wins), with its legal due date.
CREATE TABLE deposit_settlements (
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    refund_case TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    basis TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (section_id, org_id)
);

-- Refund instructions (退款指令), rebuilt with the lifecycle: unmatched money (key `transfer:<id>`) and
-- deposits (key `deposit:<org>/<section>:<n>`). `status` 'paid' only through the bank's confirmation.
CREATE TABLE deposit_refunds_v2 (
    id TEXT PRIMARY KEY,
    refund_key TEXT NOT NULL,
    -- Key of the `refunds_payable` / `interest_payable` ledger accounts this refund settles.
    ledger_key TEXT NOT NULL,
    transfer_id TEXT,
    org_id TEXT,
    section_id TEXT,
    payee_account_no TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    interest_fen BIGINT NOT NULL CHECK (interest_fen >= 0),
    interest_basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    basis TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('instructed', 'paid')),
    attempts BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    overdue_at BIGINT,
    paid_at BIGINT,
    paid_bank_txn_id TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT deposit_refunds_v2_key UNIQUE (refund_key),
    CONSTRAINT deposit_refunds_v2_paid_txn_key UNIQUE (paid_bank_txn_id)
);

INSERT INTO deposit_refunds_v2 (id, refund_key, ledger_key, transfer_id, org_id, section_id, payee_account_no, payee_name,
    amount_fen, interest_fen, interest_basis, reason, basis, due_date, status, attempts, last_sent_at,
    overdue_at, paid_at, paid_bank_txn_id, created_at)
SELECT id, 'transfer:' || transfer_id,
    CASE WHEN org_id IS NOT NULL AND section_id IS NOT NULL THEN org_id || '/' || section_id
         ELSE 'txn:' || (SELECT t.bank_txn_id FROM deposit_transfers t WHERE t.id = deposit_refunds.transfer_id) END,
    transfer_id, org_id, section_id, payee_account_no, payee_name,
    amount_fen, interest_fen, '{}', reason, '', due_date, 'instructed', 1, created_at,
    NULL, NULL, NULL, created_at
FROM deposit_refunds;

DROP TABLE deposit_refunds;
ALTER TABLE deposit_refunds_v2 RENAME TO deposit_refunds;
CREATE INDEX deposit_refunds_status_idx ON deposit_refunds (status, due_date);

-- Bid revocations reported by projects (grounds for forfeiture).
CREATE TABLE deposit_revocations (
    bid_id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- Forfeiture (没收投标保证金): proposed by one staff member, approved by another.
CREATE TABLE deposit_forfeitures (
    id TEXT PRIMARY KEY,
    section_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    ground TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    amount_fen BIGINT NOT NULL,
    form TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE UNIQUE INDEX deposit_forfeitures_open_key ON deposit_forfeitures (section_id, org_id)
    WHERE status <> 'rejected';

-- Imported bank statements (对账单) and the differences found.
CREATE TABLE deposit_reconciliations (
    id TEXT PRIMARY KEY,
    statement_date TEXT NOT NULL,
    line_count BIGINT NOT NULL,
    difference_count BIGINT NOT NULL,
    differences TEXT NOT NULL,
    statement TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
