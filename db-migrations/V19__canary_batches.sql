-- A canary: a batch submits its first canary_jobs jobs and holds the rest as AWAITING_APPROVAL until an
-- operator approves (the rest is queued) or rejects (the rest is cancelled).

-- canary from the first request (or the API call) that gave one; null: no canary
alter table batches add column canary_jobs integer;
-- set when batch.awaiting_approval is written, once: every canary job has ended
alter table batches add column canary_ended_at timestamptz;
alter table batches add column approved_at timestamptz;
alter table batches add column rejected_at timestamptz;

-- one of the batch's first canary_jobs jobs, released for submission while the rest waits
alter table jobs add column canary boolean not null default false;

-- the release finds the held jobs of a batch in arrival order
create index jobs_awaiting_approval on jobs (batch_id, batch_rank, id) where status = 'AWAITING_APPROVAL';
