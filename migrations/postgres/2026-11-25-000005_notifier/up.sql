-- Wakes idle notifier workers (LISTEN ehealth_jobs) when jobs are enqueued, so they need
-- not wait out their poll interval. One notification per statement; PostgreSQL folds
-- duplicates within a transaction and delivers them at commit.
CREATE FUNCTION ehealth_jobs_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('ehealth_jobs', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER notification_jobs_wakeup
    AFTER INSERT ON notification_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION ehealth_jobs_notify();

-- Letters waiting for the daily print batch (`ehealth postal batch`): one per postal
-- job, rendered in the patient's language when the notifier took the job. A letter is
-- printed once: `printed_at` is set (and the text cleared, as it may hold an access
-- key) in the transaction that closes the batch.
CREATE TABLE postal_letters (
    job_id TEXT PRIMARY KEY NOT NULL,
    mailing_date TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    address TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    printed_at TIMESTAMP
);
CREATE INDEX postal_letters_waiting ON postal_letters (mailing_date, printed_at);
