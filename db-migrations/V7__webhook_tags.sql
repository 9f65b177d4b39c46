-- The job and attempt a delivery's callback URL was tagged with (MAC checked on arrival): it binds
-- the prediction to that attempt even when the submit POST's answer was lost.
alter table webhook_deliveries add column tagged_job bigint;
alter table webhook_deliveries add column tagged_attempt integer;
