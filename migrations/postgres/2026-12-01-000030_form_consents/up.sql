-- What proves the patient was there when a consent was recorded from a signed form or a
-- smart HKIC read (issue 11): the identity document checked and, for a form, the scanned
-- form's document number and SHA-256. One row per such consent; the Office lists them by
-- provider for audit.
CREATE TABLE form_consents (
    consent_id TEXT PRIMARY KEY NOT NULL REFERENCES sharing_consents (id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    channel TEXT NOT NULL,
    id_document_type TEXT NOT NULL,
    form_number TEXT,
    form_sha256 TEXT,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX form_consents_by_provider ON form_consents (provider_id, recorded_at);
-- One scanned form, one consent: a form resubmitted (or sent twice at once) is refused.
CREATE UNIQUE INDEX form_consents_one_per_form ON form_consents (provider_id, form_sha256)
    WHERE form_sha256 IS NOT NULL;
