-- What each job's submissions may cost: set when an attempt starts, back to 0 when the attempt
-- provably created nothing. Spending caps add it up per UTC day and per batch.
alter table jobs add column spend_usd numeric(12, 4) not null default 0;

create index jobs_attempt_started on jobs (attempt_started_at) where spend_usd > 0;
