-- The tamper-evident history: each version and audit entry carries its hash chained to the one before
-- (layers/store/chain.py); rows written before this migration are sealed by the next write.
ALTER TABLE version ADD COLUMN chain_hash text;
ALTER TABLE audit ADD COLUMN chain_hash text;
