-- The LISTEN/NOTIFY wake-up of the PostgreSQL migration has no SQLite counterpart: SQLite
-- has one notifier process, which polls.

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
