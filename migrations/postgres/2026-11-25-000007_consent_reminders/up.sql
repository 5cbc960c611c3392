-- The 30-day reminder before a one-year consent expires (SPEC §3): queued once per consent.
CREATE TABLE consent_reminders (
    consent_id TEXT PRIMARY KEY NOT NULL REFERENCES sharing_consents (id),
    queued_at TIMESTAMP NOT NULL
);
-- The reminder sweep reads active consents by expiry.
CREATE INDEX sharing_consents_expiring ON sharing_consents (expires_at)
    WHERE status = 'active' AND expires_at IS NOT NULL;
