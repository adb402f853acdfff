-- Delivery claims: instances sending one run together each take a batch of
-- pending deliveries (ClaimDeliveries) for a while; a batch whose claim ran
-- out (its instance died) is taken again. '' is unclaimed.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN claimed_until TEXT NOT NULL DEFAULT '';
