-- A request may name its output key (output.key). output_key is the key of its output 0, with the
-- extension of its output format; its further outputs are {stem}-{n}.{ext}. output_key_parent is the
-- key whose output n this key would be ({stem} ending in -{n}), so that intake finds both directions
-- of that collision by index. Jobs without output.key keep both null.
alter table jobs add column output_key text, add column output_key_parent text;
create unique index jobs_output_key on jobs (output_bucket, output_key) where output_key is not null;
create index jobs_output_key_parent on jobs (output_bucket, output_key_parent) where output_key_parent is not null;
