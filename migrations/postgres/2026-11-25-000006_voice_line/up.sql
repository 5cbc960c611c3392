-- Delivery receipts of SMS messages (Twilio status callbacks), one per message and status.
CREATE TABLE delivery_receipts (
    message_sid TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    job_id TEXT,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (message_sid, status)
);
CREATE INDEX delivery_receipts_job ON delivery_receipts (job_id);
-- Receipts find their job by the message SID the notifier stored.
CREATE INDEX notification_jobs_receipt_lookup ON notification_jobs (provider_ref);
