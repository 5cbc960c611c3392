-- Providers as the booklet describes them (issue 16).

-- Where a provider is written to and in which language: the letters about its status go
-- to `address`; `language` is that of its emails and letters (`en` or `zh-Hant`).
CREATE TABLE provider_particulars (
    provider_id TEXT PRIMARY KEY NOT NULL REFERENCES providers (id),
    address TEXT,
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    language TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Each lifecycle change the Office decides, with its reason and its effective Hong Kong
-- date; a future-dated one stays `scheduled` until the sweep applies it (`applied`), or
-- finds it can no longer apply (`lapsed`). A withdrawal records the day the provider's
-- request reached the Office.
CREATE TABLE provider_status_changes (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    transition TEXT NOT NULL,
    reason TEXT NOT NULL,
    effective_on DATE NOT NULL,
    received_on DATE,
    requested_by TEXT,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP
);
-- One change waiting per provider: a second (or the same sent twice at once) is refused.
CREATE UNIQUE INDEX provider_status_changes_one_scheduled
    ON provider_status_changes (provider_id) WHERE state = 'scheduled';
CREATE INDEX provider_status_changes_due
    ON provider_status_changes (effective_on) WHERE state = 'scheduled';

-- How a provider account is reached (the user administrators are told of their
-- provider's status and of their professionals' registrations by email).
CREATE TABLE staff_contacts (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id),
    email TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- The expiry of an HCProf's professional registration (the number is
-- `accounts.registration_number`); `reminded_for` is the expiry date whose reminder was
-- queued, so that each expiry is reminded once and a renewal is reminded afresh.
CREATE TABLE professional_registrations (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id),
    expires_on DATE NOT NULL,
    reminded_for DATE,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX professional_registrations_by_expiry ON professional_registrations (expires_on);

-- A provider's application (online, or a paper one the Office enters), reviewed by the
-- Office: `submitted` -> `more_requested` -> `submitted` ... -> `approved` / `refused`.
-- The applicant adds documents with the reference and the secret sent to the contact's
-- email (stored as its SHA-256: it is 32 random bytes). `dedupe_key` makes a form sent
-- twice (or twice at once) one application while it is open.
CREATE TABLE provider_applications (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    secret_digest TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    establishment_type TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    language TEXT NOT NULL,
    admin_name TEXT NOT NULL,
    admin_username TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    admin_profession TEXT,
    admin_registration_number TEXT,
    admin_registration_expires_on DATE,
    office_note TEXT,
    provider_id TEXT REFERENCES providers (id),
    admin_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX provider_applications_one_open
    ON provider_applications (dedupe_key) WHERE status IN ('submitted', 'more_requested');
CREATE INDEX provider_applications_by_status ON provider_applications (status, created_at);

-- A supporting document: of an application, and of the provider once approved (or
-- recorded by the Office for a registered provider, without application: a renewal). The
-- scan itself is kept in the Office's document store; `scan_ref` names it. A renewal
-- replaces the provider's earlier documents of its type (`replaced_by`), which are then
-- neither reminded nor acted on.
CREATE TABLE provider_documents (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT REFERENCES provider_applications (id),
    provider_id TEXT REFERENCES providers (id),
    document_type TEXT NOT NULL,
    number TEXT NOT NULL,
    issuing_authority TEXT NOT NULL,
    expires_on DATE,
    scan_ref TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    expired_at TIMESTAMP,
    replaced_by TEXT
);
CREATE INDEX provider_documents_by_application ON provider_documents (application_id);
CREATE INDEX provider_documents_by_expiry ON provider_documents (expires_on)
    WHERE provider_id IS NOT NULL AND expired_at IS NULL AND replaced_by IS NULL;

-- Each reminder before a document expires, queued once (document, days before).
CREATE TABLE provider_document_reminders (
    document_id TEXT NOT NULL REFERENCES provider_documents (id),
    days_before INTEGER NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    PRIMARY KEY (document_id, days_before)
);

-- The first user administrator of an approved provider sets their own password and
-- enrols TOTP with a one-time activation code sent to their email (stored as its SHA-256).
CREATE TABLE account_activations (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id),
    code_digest TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
