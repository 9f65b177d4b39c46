-- Cancelling a submitted job deletes its WaveSpeed task. cancel_requested_at: an operator cancelled the
-- job (or its batch) while it was in flight; a job whose task becomes known later is cancelled too, and
-- one whose task finished first is delivered (the answer counts it). upstream_deletes: delete calls tried
-- for its task, so that failures are retried a bounded number of times. upstream_cancelled: its task was
-- deleted upstream by the worker before it finished.
alter table jobs add column cancel_requested_at timestamptz;
alter table jobs add column upstream_deletes integer not null default 0;
alter table jobs add column upstream_cancelled boolean not null default false;

-- The cancel sweep looks for jobs still to cancel among the few an operator asked for.
create index jobs_cancel_requested on jobs (id) where cancel_requested_at is not null
    and status not in ('COMPLETED', 'FAILED', 'CANCELLED');
