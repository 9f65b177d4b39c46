-- Dashboard sign-ins. The cookie carries a random session id; only its SHA-256 is kept here, so this
-- table opens nothing to whoever reads it. Every worker behind a load balancer reads the same rows, so
-- signing out (a delete) or expiry ends the session everywhere at once.
create table dashboard_sessions (
    id_sha256   varchar(64)  primary key,
    -- what the dashboard's script sends as X-CSRF-Token with every request that changes something
    csrf_token  varchar(64)  not null,
    created_at  timestamptz  not null,
    expires_at  timestamptz  not null
);

create index dashboard_sessions_expiry on dashboard_sessions (expires_at);

-- A rejected request that names a valid batch_id is an ended member of that batch: it never becomes
-- a job, yet its sender counted it in batch_size. batch_id is the batch it counts toward (null when it
-- counts toward none, also when its job_id is a job of that same batch already, which counts instead).
alter table rejected_messages add column batch_id varchar(200);

-- Counted like a job that ended, under the status REJECTED, through the same change log, once per
-- rejection: a redelivery of the same message updates its row (times_seen), and AFTER INSERT does not fire.
create function count_rejected_member() returns trigger language plpgsql as $$
begin
    insert into batch_count_changes values (new.batch_id, 'REJECTED', '', 1, 0, new.received_at, true, true);
    return null;
end $$;

create trigger rejected_messages_counted after insert on rejected_messages
    for each row when (new.batch_id is not null) execute function count_rejected_member();
