-- The W3C trace context a job's later stages continue (issue 11): the intake span's traceparent and
-- the request's tracestate. Outbox rows keep the context their publish span continues. Null for rows
-- written before this migration.
alter table jobs add column trace_parent text, add column trace_state text;
alter table outbox_events add column trace_parent text, add column trace_state text;
