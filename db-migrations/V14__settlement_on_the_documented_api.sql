-- Settling unanswered submits on the API as WaveSpeed documents it (no request in the history).

-- When the current attempt's failure was seen (database clock): its task, if any, was created between
-- attempt_started_at and this. Null while the attempt is under way or was answered.
alter table jobs add column attempt_ended_at timestamptz;

-- Every prediction ever bound to a job, also after an operator's pay-again retry cleared it from the
-- job: a task once a job's stays that job's in every settlement.
create table bound_predictions (
    prediction_id  varchar(128) primary key,
    job            bigint       not null references jobs (id) on delete cascade,
    attempt        integer      not null,
    bound_at       timestamptz  not null
);
create index bound_predictions_job on bound_predictions (job);
insert into bound_predictions (prediction_id, job, attempt, bound_at)
select prediction_id, id, attempts, coalesce(submitted_at, updated_at) from jobs where prediction_id is not null;

-- Worker processes and when each last showed it is alive: a SUBMITTING job whose worker stopped
-- beating is settled at once, with a window that ends where its worker did, not after a whole lease.
create table worker_heartbeats (
    worker        varchar(128) primary key,
    started_at    timestamptz  not null,
    beat_at       timestamptz  not null
);

-- Secrets the workers sharing this database generate once and keep, such as the key of webhook tags:
-- unlike one derived from the API key, it survives a key rotation.
create table worker_secrets (
    name      varchar(64) primary key,
    value     bytea       not null,
    created_at timestamptz not null
);

-- Tasks that may be an undecided job's: kept (their outputs copied to S3) and shown beside the job's
-- source, so that an operator can assign one without paying again.
create table submission_candidates (
    job            bigint       not null references jobs (id) on delete cascade,
    prediction_id  varchar(128) not null,
    created_at     timestamptz  not null,
    status         varchar(32)  not null,
    -- how much the task's output looks like the job's source (normalised correlation), null if unknown
    likeness       double precision,
    -- the copies of its outputs: [{bucket, key, content_type}]
    kept_outputs   jsonb,
    primary key (job, prediction_id)
);
