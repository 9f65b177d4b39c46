-- The operator API lists jobs newest first (by id), filtered by status or batch. Without these, a
-- listing of rare statuses (FAILED jobs have no due_at, so jobs_due does not hold them) would walk
-- the whole table backwards, and a batch's page would sort all its jobs each time.
create index jobs_listing_status on jobs (status, id);
create index jobs_listing_batch on jobs (batch_id, id) where batch_id is not null;
-- jobs_listing_batch serves every lookup by batch_id that this one did.
drop index jobs_batch;
