CREATE FUNCTION ehealth_jobs_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('ehealth_jobs', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER notification_jobs_wakeup
    AFTER INSERT ON notification_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION ehealth_jobs_notify();
