-- Retention: the purge task deletes expired rows in small batches, oldest first, through these indexes.
create index webhook_deliveries_applied on webhook_deliveries (applied_at) where applied_at is not null;
create index outbox_sent on outbox_events (sent_at) where sent_at is not null;
create index job_transitions_at on job_transitions (at);
create index rejected_messages_received on rejected_messages (received_at);

-- A rejected message keeps only its first 64 KiB (an oversized one is rejected for its size), with
-- the size and SHA-256 of the whole message.
alter table rejected_messages add column body_size bigint;
alter table rejected_messages add column body_sha256 varchar(64);
update rejected_messages set body_size = length(body), body_sha256 = encode(sha256(body), 'hex');
update rejected_messages set body = substring(body from 1 for 65536) where length(body) > 65536;
alter table rejected_messages alter column body_size set not null;
alter table rejected_messages alter column body_sha256 set not null;
