-- Never pay twice for an identical request: a job with a fixed seed whose source's content is known keeps the
-- identity of what it asks for (reuse_key); a later job with the same key is served by copying the outputs of a
-- completed one (reused_from names it) instead of paying for a new task. reuse_mode is the request's `reuse`
-- field: null (the default: reused when the source's content is known), 'off', or 'by_url'.
alter table jobs add column reuse_key text;
alter table jobs add column reused_from text;
alter table jobs add column reuse_mode text;
-- the one lookup: the latest completed job with this key
create index jobs_completed_by_reuse_key on jobs (reuse_key, finished_at desc)
    where reuse_key is not null and status = 'COMPLETED';
