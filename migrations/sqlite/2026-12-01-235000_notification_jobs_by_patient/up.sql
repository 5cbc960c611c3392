-- The notifier's fold of repeat accesses (`jobs::fold_siblings`) asks, for every "record
-- accessed" job it claims, for the patient's other jobs of the same kind and channel; with
-- no index on the patient that is a scan of every job ever sent (measured at 2 million
-- jobs on PostgreSQL: 140-250 ms a claim, against 0.05 ms with this index; issue 15,
-- docs/performance.md). `jobs::for_patient` uses it too.
CREATE INDEX notification_jobs_patient ON notification_jobs (patient_id, job_type, channel);
