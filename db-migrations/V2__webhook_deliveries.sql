-- Predictions submitted with a webhook report back by signed delivery; polling for them slows to a safety net.
alter table jobs add column webhook_tracked boolean not null default false;

create index jobs_prediction on jobs (prediction_id) where prediction_id is not null;

-- Verified webhook deliveries, applied by a task. (id, timestamp) seen twice is a replay.
create table webhook_deliveries (
    webhook_id         varchar(200) not null,
    webhook_timestamp  bigint       not null,
    prediction_id      varchar(128) not null,
    body               text         not null,
    received_at        timestamptz  not null,
    applied_at         timestamptz,
    primary key (webhook_id, webhook_timestamp)
);

create index webhook_deliveries_pending on webhook_deliveries (received_at) where applied_at is null;
