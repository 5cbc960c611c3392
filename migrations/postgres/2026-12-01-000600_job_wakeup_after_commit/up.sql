-- The notifier's wake-up moves out of the writing transaction (issue 12): a NOTIFY there
-- takes PostgreSQL's notification lock at commit and holds it until the commit is flushed,
-- so every transaction that enqueued a job committed one at a time. The process that
-- committed now sends the NOTIFY itself, after the commit, at most one at a time
-- (core/src/db/job_wakeup.rs). The channel, `ehealth_jobs`, is unchanged.
DROP TRIGGER notification_jobs_wakeup ON notification_jobs;
DROP FUNCTION ehealth_jobs_notify();
