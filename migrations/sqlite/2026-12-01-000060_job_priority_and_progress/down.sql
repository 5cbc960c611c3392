DROP INDEX notification_jobs_ready_by_priority;
ALTER TABLE notification_jobs DROP COLUMN progress;
ALTER TABLE notification_jobs DROP COLUMN priority;
