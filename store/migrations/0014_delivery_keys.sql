-- Delivery keys: a run's outbox is streamed from its lists, and the
-- database, not a set in memory, keeps one delivery per reader however
-- the lists spell the address. recipient_key is internal/address.Key of
-- the recipient, computed in Go; earlier runs take their recipient, which
-- was unique per run already.
ALTER TABLE deliveries ADD COLUMN recipient_key TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET recipient_key = recipient;
CREATE UNIQUE INDEX deliveries_by_key ON deliveries (run_id, recipient_key);
