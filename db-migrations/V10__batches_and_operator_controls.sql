-- Batches as counters the database keeps as jobs change, plus the operator's controls.

-- A retried job's next outcome event needs an id of its own; what its earlier attempts may have cost.
alter table jobs add column retries integer not null default 0;
alter table jobs add column paid_before_usd numeric(12, 4) not null default 0;

-- One row per batch ('' for jobs without one).
create table batches (
    batch_key         varchar(200) primary key,
    -- batch_size from the first request that gave one: the batch is complete when that many jobs ended
    expected_jobs     integer,
    paused_at         timestamptz,
    cancelled_at      timestamptz,
    -- set when batch.completed is written; cleared if a job of the batch is retried afterwards
    completed_at      timestamptz,
    -- batch.completed events written so far (a retried batch completes again)
    completions       integer not null default 0,
    first_job_at      timestamptz,
    last_finished_at  timestamptz
);

-- Jobs and spend per batch, status and error code ('' unless FAILED), folded from the changes below.
create table batch_counts (
    batch_key   varchar(200) not null,
    status      varchar(32)  not null,
    error_code  varchar(64)  not null default '',
    jobs        bigint       not null,
    spend_usd   numeric(14, 4) not null,
    primary key (batch_key, status, error_code)
);

-- Every change of a job's status or spend, appended by a trigger (so writers never contend on a
-- counter row) and folded into batch_counts about once a second. Readers add both.
create table batch_count_changes (
    batch_key   varchar(200) not null,
    status      varchar(32)  not null,
    error_code  varchar(64)  not null,
    jobs        integer      not null,
    spend_usd   numeric(14, 4) not null,
    at          timestamptz  not null,
    new_job     boolean      not null,
    finished    boolean      not null
);

-- Jobs finished and money committed per minute, for the dashboard's charts.
create table activity_minutes (
    minute     timestamptz primary key,
    completed  bigint not null default 0,
    failed     bigint not null default 0,
    cancelled  bigint not null default 0,
    spend_usd  numeric(14, 4) not null default 0
);

-- Submissions paused for every batch (a single row).
create table submission_controls (
    id         integer primary key check (id = 1),
    paused_at  timestamptz
);
insert into submission_controls values (1, null);

create function count_job_change() returns trigger language plpgsql as $$
declare
    key varchar(200) := coalesce(new.batch_id, '');
begin
    if tg_op = 'INSERT' then
        insert into batch_count_changes values
            (key, new.status, coalesce(new.error_code, ''), 1, new.spend_usd, new.created_at, true, false);
    else
        insert into batch_count_changes values
            (key, old.status, coalesce(old.error_code, ''), -1, -old.spend_usd, new.updated_at, false, false),
            (key, new.status, coalesce(new.error_code, ''), 1, new.spend_usd, new.updated_at, false,
             new.status in ('COMPLETED', 'FAILED', 'CANCELLED') and old.status not in ('COMPLETED', 'FAILED', 'CANCELLED'));
    end if;
    return null;
end $$;

create trigger jobs_counted_on_insert after insert on jobs
    for each row execute function count_job_change();
create trigger jobs_counted_on_change after update of status, spend_usd, error_code on jobs
    for each row
    when (old.status is distinct from new.status or old.spend_usd is distinct from new.spend_usd
          or old.error_code is distinct from new.error_code)
    execute function count_job_change();

-- Jobs stored before batches were counted.
insert into batch_counts (batch_key, status, error_code, jobs, spend_usd)
select coalesce(batch_id, ''), status, coalesce(error_code, ''), count(*), sum(spend_usd) from jobs group by 1, 2, 3;
insert into batches (batch_key, first_job_at, last_finished_at)
select coalesce(batch_id, ''), min(created_at), max(finished_at) from jobs group by 1;
