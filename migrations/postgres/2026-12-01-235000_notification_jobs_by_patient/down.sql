DROP INDEX notification_jobs_patient;
