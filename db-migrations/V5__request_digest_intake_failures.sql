-- What each job was accepted with (SHA-256 of the validated request, defaults applied): the same
-- job_id with a different request is refused. Jobs stored before this column have none and match any.
alter table jobs add column request_digest varchar(64);

-- Failed attempts to store one request message while the database was healthy, counted by the
-- worker itself (RabbitMQ 4.3+ no longer counts requeues), keyed like rejected_messages.
create table intake_failures (
    id          uuid primary key,
    failures    integer      not null,
    last_error  text         not null,
    updated_at  timestamptz  not null
);
