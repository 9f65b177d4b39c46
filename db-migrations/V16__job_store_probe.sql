-- One row that every worker's job-store probe writes (intake.JobStoreProbe): a database that still
-- answers reads but refuses writes (read-only after a failover, a revoked grant) is an outage for intake.
create table job_store_probe (
    id         smallint     primary key check (id = 1),
    probed_at  timestamptz  not null
);
insert into job_store_probe (id, probed_at) values (1, now());
