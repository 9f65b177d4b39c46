-- When a job last entered DELIVERING, kept on the row: the delivery deadline and the delivery-time
-- histogram read it on every completed delivery, which would otherwise cost a look-up in job_transitions.
alter table jobs add column delivering_at timestamptz;
