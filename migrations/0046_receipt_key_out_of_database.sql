-- Bid receipts are signed with a key read from a file or the environment (--receipt-key-file,
-- GGZY_RECEIPT_SIGNING_KEY), never from the database. The secret half of the key that migration
-- 0006 kept here is erased; its public half stays published (GET /api/keys) so receipts it signed
-- can still be verified. The column stays (portable SQL, no column drop); it is always ''.
UPDATE server_keys SET secret_key = '';
