-- Foundation schema (SQLite). Keep in step with ../../postgres/ of the same name and
-- core/src/db/schema.rs. Timestamps are UTC; UUIDs and JSON are text.

CREATE TABLE providers (
    id TEXT PRIMARY KEY NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    establishment_type TEXT NOT NULL,
    public_body TEXT,
    status TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    status_changed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX providers_public_body ON providers (public_body) WHERE public_body IS NOT NULL;

CREATE TABLE patients (
    id TEXT PRIMARY KEY NOT NULL,
    ehr_number TEXT NOT NULL UNIQUE,
    id_doc_type TEXT NOT NULL,
    id_doc_number TEXT NOT NULL,
    id_doc_place TEXT,
    id_doc_key TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_zh TEXT,
    date_of_birth DATE NOT NULL,
    sex TEXT NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT,
    postal_address TEXT,
    language TEXT NOT NULL,
    notify_sms BOOLEAN NOT NULL,
    notify_email BOOLEAN NOT NULL,
    notify_post BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    registered_by_provider TEXT REFERENCES providers (id),
    withdrawn_at TIMESTAMP
);

CREATE TABLE substitute_decision_makers (
    id TEXT PRIMARY KEY NOT NULL,
    id_doc_key TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_zh TEXT,
    date_of_birth DATE NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sdm_links (
    id TEXT PRIMARY KEY NOT NULL,
    sdm_id TEXT NOT NULL REFERENCES substitute_decision_makers (id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    basis TEXT NOT NULL,
    relationship TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE UNIQUE INDEX sdm_links_current ON sdm_links (sdm_id, patient_id) WHERE ended_at IS NULL;

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    id_doc_type TEXT NOT NULL,
    id_doc_number TEXT NOT NULL,
    id_doc_place TEXT,
    id_doc_key TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT,
    date_of_birth DATE NOT NULL,
    sex TEXT NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT,
    postal_address TEXT,
    language TEXT NOT NULL,
    notify_sms BOOLEAN NOT NULL,
    notify_email BOOLEAN NOT NULL,
    notify_post BOOLEAN NOT NULL,
    sdm_id TEXT REFERENCES substitute_decision_makers (id),
    status TEXT NOT NULL,
    patient_id TEXT REFERENCES patients (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX applications_open_document ON applications (id_doc_key)
    WHERE status IN ('pending_mobile_verification', 'pending_identity_verification');

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT REFERENCES providers (id),
    role TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL,
    totp_last_step BIGINT,
    profession TEXT,
    registration_number TEXT,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);
CREATE UNIQUE INDEX accounts_login ON accounts (COALESCE(provider_id, ''), username);

CREATE TABLE access_matrix (
    profession TEXT NOT NULL,
    data_type TEXT NOT NULL,
    PRIMARY KEY (profession, data_type)
);

CREATE TABLE data_type_policies (
    data_type TEXT PRIMARY KEY NOT NULL,
    restricted BOOLEAN NOT NULL
);

CREATE TABLE sharing_consents (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    consent_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    given_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    status TEXT NOT NULL,
    superseded_by TEXT,
    ended_at TIMESTAMP,
    ended_channel TEXT,
    ended_actor_kind TEXT,
    ended_actor_id TEXT
);
CREATE UNIQUE INDEX sharing_consents_current ON sharing_consents (patient_id, provider_id)
    WHERE status = 'active';
CREATE INDEX sharing_consents_patient ON sharing_consents (patient_id, given_at);

CREATE TABLE access_keys (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    key_hash TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_channel TEXT NOT NULL,
    revoked_at TIMESTAMP,
    failed_attempts INTEGER NOT NULL,
    locked_at TIMESTAMP
);
CREATE UNIQUE INDEX access_keys_current ON access_keys (patient_id) WHERE revoked_at IS NULL;

CREATE TABLE care_episodes (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    opened_by TEXT,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

CREATE TABLE shared_records (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    data_type TEXT NOT NULL,
    document TEXT NOT NULL,
    shared_by TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX shared_records_patient ON shared_records (patient_id, data_type);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    event TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    provider_id TEXT,
    profession TEXT,
    patient_id TEXT,
    data_types TEXT NOT NULL,
    purpose TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);

-- The head of the chain: one row, updated first by every append so that appends are
-- serialised and the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never changes or removes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE notification_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    job_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    patient_id TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    provider_ref TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX notification_jobs_ready ON notification_jobs (status, run_at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_patient ON notifications (patient_id, created_at);

CREATE TABLE app_devices (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fcm_token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);

CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    credential_id TEXT NOT NULL UNIQUE,
    passkey TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE auth_ceremonies (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE one_time_codes (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP
);
CREATE INDEX one_time_codes_subject ON one_time_codes (purpose, subject_id, created_at);

CREATE TABLE attempt_counters (
    scope TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    data_types TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by_kind TEXT,
    decided_by_id TEXT
);

CREATE TABLE voice_calls (
    call_sid TEXT PRIMARY KEY NOT NULL,
    from_number TEXT NOT NULL,
    language TEXT,
    step TEXT NOT NULL,
    state TEXT NOT NULL,
    patient_id TEXT REFERENCES patients (id),
    retries INTEGER NOT NULL,
    last_request_digest TEXT,
    last_response TEXT,
    call_status TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
