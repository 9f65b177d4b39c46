-- Submissions per minute, across all workers, for the tier's per-minute image rate: the claim adds
-- to the current minute under its advisory lock and deletes minutes that left the sliding window.
create table submission_minutes (
    minute timestamptz primary key,
    submissions integer not null
);
