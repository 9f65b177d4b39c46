-- Submission order: higher priority first; within a priority, batches take turns (start-time fair
-- queueing). Each job gets a rank in its batch's sequence, which starts no earlier than the rank most
-- recently handed out, so a batch published late is not queued behind a big batch's backlog.
alter table jobs add column priority integer not null default 0;
alter table jobs add column batch_rank bigint not null default 0;

create index jobs_submission_order on jobs (priority desc, batch_rank, due_at)
    where status in ('QUEUED', 'HELD_BUDGET');

-- The next rank of each batch ('' for jobs without a batch).
create table batch_ranks (
    batch_key  varchar(200) primary key,
    next_rank  bigint not null
);

-- The rank most recently handed out for submission: a new or idle batch starts from here.
create table fair_queue_clock (
    id            integer primary key check (id = 1),
    virtual_time  bigint  not null
);
insert into fair_queue_clock values (1, 0);
