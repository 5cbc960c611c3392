-- Issue 19: one-time codes and lockout warnings are claimed before notices (priority,
-- higher first), and a job with several units (a push to each of a patient's devices)
-- records which units are settled, so a retry redoes only the others (progress, JSON).
ALTER TABLE notification_jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notification_jobs ADD COLUMN progress TEXT;
CREATE INDEX notification_jobs_ready_by_priority ON notification_jobs (status, priority, run_at);
