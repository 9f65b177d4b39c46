-- What the current submit attempt carries (image URL without its query string), written before the
-- POST leaves. An attempt whose answer never arrived is looked up by this in WaveSpeed's history.
alter table jobs add column submitted_request jsonb;
alter table jobs add column request_fingerprint varchar(64);
alter table jobs add column attempt_started_at timestamptz;

create index jobs_request_fingerprint on jobs (request_fingerprint) where request_fingerprint is not null;

-- One prediction belongs to one job: an adopted prediction can never be adopted twice.
drop index jobs_prediction;
create unique index jobs_prediction on jobs (prediction_id) where prediction_id is not null;
