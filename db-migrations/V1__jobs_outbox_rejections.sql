-- One row per accepted job; job_id is the client's idempotency key.
create sequence jobs_seq increment by 50;

create table jobs (
    id                  bigint primary key,
    job_id              varchar(200) not null unique,
    batch_id            varchar(200),
    status              varchar(32)  not null,
    input               jsonb        not null,
    output_bucket       varchar(255) not null,
    output_key_prefix   varchar(1024) not null default '',
    metadata            jsonb,
    prediction_id       varchar(128),
    -- Submit POSTs sent for this job (an attempt is recorded before the request leaves).
    attempts            integer      not null default 0,
    polls               integer      not null default 0,
    -- When a task should next look at this job; claiming pushes it forward, so it doubles as a lease.
    due_at              timestamptz,
    lease_owner         varchar(128),
    prediction_outputs  jsonb,
    has_nsfw_contents   jsonb,
    inference_ms        bigint,
    outputs             jsonb,
    cost_usd            numeric(12, 4) not null default 0,
    error_code          varchar(64),
    error_message       text,
    version             bigint       not null default 0,
    created_at          timestamptz  not null,
    updated_at          timestamptz  not null,
    submitted_at        timestamptz,
    finished_at         timestamptz
);

create index jobs_due on jobs (status, due_at) where due_at is not null;
create index jobs_batch on jobs (batch_id) where batch_id is not null;

-- Every state change with its time.
create sequence job_transitions_seq increment by 50;

create table job_transitions (
    id          bigint primary key,
    job         bigint       not null references jobs (id) on delete cascade,
    from_status varchar(32),
    to_status   varchar(32)  not null,
    at          timestamptz  not null,
    detail      text
);

create index job_transitions_job on job_transitions (job, at);

-- Messages that were never accepted as jobs, kept whole with the reasons.
create table rejected_messages (
    id           uuid primary key,
    job_id       varchar(200),
    body         bytea        not null,
    problems     jsonb        not null,
    received_at  timestamptz  not null,
    times_seen   integer      not null default 1
);

-- Events are written here in the job's own transaction and relayed with publisher confirms.
create table outbox_events (
    id           uuid primary key,
    routing_key  varchar(64)  not null,
    subject      varchar(200),
    payload      text         not null,
    created_at   timestamptz  not null,
    sent_at      timestamptz,
    attempts     integer      not null default 0
);

create index outbox_unsent on outbox_events (created_at) where sent_at is null;
