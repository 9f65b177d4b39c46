-- The submission rate becomes an exact rolling window: submissions claimed per second, shared by all
-- workers, replacing the per-minute estimate (current minute plus a weighted share of the previous one).
create table submission_seconds (
    second      timestamptz primary key,
    submissions integer     not null
);
drop table submission_minutes;
