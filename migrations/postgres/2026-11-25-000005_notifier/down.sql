DROP TRIGGER IF EXISTS notification_jobs_wakeup ON notification_jobs;
DROP FUNCTION IF EXISTS ehealth_jobs_notify();
DROP TABLE IF EXISTS postal_letters;
