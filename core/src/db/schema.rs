// Diesel schema for both backends. It mirrors migrations/{sqlite,postgres}/*/up.sql, which
// define the same tables and columns; change all three together.

diesel::table! {
    providers (id) {
        id -> Text,
        name_en -> Text,
        name_zh -> Text,
        establishment_type -> Text,
        public_body -> Nullable<Text>,
        status -> Text,
        registered_at -> Timestamp,
        status_changed_at -> Timestamp,
    }
}

diesel::table! {
    patients (id) {
        id -> Text,
        ehr_number -> Text,
        id_doc_type -> Text,
        id_doc_number -> Text,
        id_doc_place -> Nullable<Text>,
        id_doc_key -> Text,
        name_en -> Text,
        name_zh -> Nullable<Text>,
        date_of_birth -> Date,
        sex -> Text,
        mobile -> Text,
        email -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        language -> Text,
        notify_sms -> Bool,
        notify_email -> Bool,
        notify_post -> Bool,
        status -> Text,
        registered_at -> Timestamp,
        registered_by_provider -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    substitute_decision_makers (id) {
        id -> Text,
        id_doc_key -> Text,
        name_en -> Text,
        name_zh -> Nullable<Text>,
        date_of_birth -> Date,
        mobile -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        language -> Text,
    }
}

diesel::table! {
    sdm_applications (application_id) {
        application_id -> Text,
        sdm_doc_key -> Text,
        sdm_name_en -> Text,
        sdm_name_zh -> Nullable<Text>,
        sdm_date_of_birth -> Date,
        sdm_mobile -> Text,
        sdm_email -> Nullable<Text>,
        sdm_language -> Text,
        basis -> Text,
        relationship -> Text,
        documents -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sdm_links (id) {
        id -> Text,
        sdm_id -> Text,
        patient_id -> Text,
        basis -> Text,
        relationship -> Text,
        valid_from -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        status -> Text,
        documents -> Text,
        ended_reason -> Nullable<Text>,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        id_doc_type -> Text,
        id_doc_number -> Text,
        id_doc_place -> Nullable<Text>,
        id_doc_key -> Text,
        name_en -> Text,
        name_zh -> Nullable<Text>,
        date_of_birth -> Date,
        sex -> Text,
        mobile -> Text,
        email -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        language -> Text,
        notify_sms -> Bool,
        notify_email -> Bool,
        notify_post -> Bool,
        sdm_id -> Nullable<Text>,
        status -> Text,
        patient_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        provider_id -> Nullable<Text>,
        role -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        profession -> Nullable<Text>,
        registration_number -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_matrix (profession, data_type) {
        profession -> Text,
        data_type -> Text,
    }
}

diesel::table! {
    data_type_policies (data_type) {
        data_type -> Text,
        restricted -> Bool,
    }
}

diesel::table! {
    sharing_consents (id) {
        id -> Text,
        patient_id -> Text,
        provider_id -> Text,
        consent_type -> Text,
        channel -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        given_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        status -> Text,
        superseded_by -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        ended_channel -> Nullable<Text>,
        ended_actor_kind -> Nullable<Text>,
        ended_actor_id -> Nullable<Text>,
    }
}

diesel::table! {
    access_keys (id) {
        id -> Text,
        patient_id -> Text,
        key_hash -> Text,
        issued_at -> Timestamp,
        issued_channel -> Text,
        revoked_at -> Nullable<Timestamp>,
        failed_attempts -> Integer,
        locked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    care_episodes (id) {
        id -> Text,
        patient_id -> Text,
        provider_id -> Text,
        opened_by -> Nullable<Text>,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shared_records (id) {
        id -> Text,
        patient_id -> Text,
        provider_id -> Text,
        data_type -> Text,
        document -> Text,
        shared_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        event -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        profession -> Nullable<Text>,
        patient_id -> Nullable<Text>,
        data_types -> Text,
        purpose -> Nullable<Text>,
        outcome -> Text,
        reason -> Nullable<Text>,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

// -- verifiable access log (issue 12) --
diesel::table! {
    audit_pending (seq) {
        seq -> BigInt,
    }
}

diesel::table! {
    audit_leaves (leaf_index) {
        leaf_index -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    audit_tree_nodes (level, idx) {
        level -> Integer,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    audit_checkpoints (tree_size) {
        tree_size -> BigInt,
        root_hash -> Binary,
        note -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    audit_tree_head (id) {
        id -> Integer,
        tree_size -> BigInt,
    }
}

diesel::table! {
    audit_verified (id) {
        id -> Integer,
        tree_size -> BigInt,
        note -> Text,
        frontier -> Binary,
        verified_at -> Timestamp,
    }
}

diesel::table! {
    notification_jobs (id) {
        id -> Text,
        job_type -> Text,
        channel -> Text,
        patient_id -> Nullable<Text>,
        dedupe_key -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        provider_ref -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        priority -> Integer,
        progress -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        patient_id -> Text,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    app_devices (id) {
        id -> Text,
        patient_id -> Text,
        fcm_token -> Text,
        platform -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        patient_id -> Text,
        credential_id -> Text,
        passkey -> Text,
        name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        transports -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    auth_ceremonies (id) {
        id -> Text,
        kind -> Text,
        subject_id -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    one_time_codes (id) {
        id -> Text,
        purpose -> Text,
        subject_id -> Text,
        destination -> Text,
        code_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attempt_counters (scope) {
        scope -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    approvals (id) {
        id -> Text,
        patient_id -> Text,
        provider_id -> Text,
        account_id -> Text,
        data_types -> Text,
        reason -> Text,
        status -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by_kind -> Nullable<Text>,
        decided_by_id -> Nullable<Text>,
    }
}

diesel::table! {
    voice_calls (call_sid) {
        call_sid -> Text,
        from_number -> Text,
        language -> Nullable<Text>,
        step -> Text,
        state -> Text,
        patient_id -> Nullable<Text>,
        retries -> Integer,
        last_request_digest -> Nullable<Text>,
        last_response -> Nullable<Text>,
        call_status -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    delivery_receipts (message_sid, status) {
        message_sid -> Text,
        status -> Text,
        error_code -> Nullable<Text>,
        job_id -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    postal_letters (job_id) {
        job_id -> Text,
        mailing_date -> Text,
        recipient_name -> Text,
        address -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        printed_at -> Nullable<Timestamp>,
        run_no -> Nullable<BigInt>,
        page -> Nullable<Integer>,
        reference -> Nullable<Text>,
    }
}

diesel::table! {
    postal_batch_runs (run_no) {
        run_no -> BigInt,
        mailing_date -> Text,
        letters -> Integer,
        created_at -> Timestamp,
        printed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    postal_run_counter (id) {
        id -> Integer,
        last_run -> BigInt,
    }
}

diesel::table! {
    consent_reminders (consent_id) {
        consent_id -> Text,
        queued_at -> Timestamp,
    }
}

// issue 11: signed-form consent evidence
diesel::table! {
    form_consents (consent_id) {
        consent_id -> Text,
        patient_id -> Text,
        provider_id -> Text,
        account_id -> Text,
        channel -> Text,
        id_document_type -> Text,
        form_number -> Nullable<Text>,
        form_sha256 -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

// -- providers as the booklet describes them (issue 16) --
diesel::table! {
    provider_particulars (provider_id) {
        provider_id -> Text,
        address -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        language -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    provider_status_changes (id) {
        id -> Text,
        provider_id -> Text,
        transition -> Text,
        reason -> Text,
        effective_on -> Date,
        received_on -> Nullable<Date>,
        requested_by -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_contacts (account_id) {
        account_id -> Text,
        email -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    professional_registrations (account_id) {
        account_id -> Text,
        expires_on -> Date,
        reminded_for -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    provider_applications (id) {
        id -> Text,
        reference -> Text,
        secret_digest -> Text,
        channel -> Text,
        status -> Text,
        dedupe_key -> Text,
        name_en -> Text,
        name_zh -> Text,
        establishment_type -> Text,
        address -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        language -> Text,
        admin_name -> Text,
        admin_username -> Text,
        admin_email -> Text,
        admin_profession -> Nullable<Text>,
        admin_registration_number -> Nullable<Text>,
        admin_registration_expires_on -> Nullable<Date>,
        office_note -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        admin_account_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    provider_documents (id) {
        id -> Text,
        application_id -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        document_type -> Text,
        number -> Text,
        issuing_authority -> Text,
        expires_on -> Nullable<Date>,
        scan_ref -> Text,
        added_at -> Timestamp,
        expired_at -> Nullable<Timestamp>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    provider_document_reminders (document_id, days_before) {
        document_id -> Text,
        days_before -> Integer,
        queued_at -> Timestamp,
    }
}

diesel::table! {
    account_activations (account_id) {
        account_id -> Text,
        code_digest -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

// issue 18: eHR portal form submissions (exactly once)
diesel::table! {
    portal_submissions (form_id) {
        form_id -> Text,
        account_id -> Text,
        claimed_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    portal_submissions,
    form_consents,
    consent_reminders,
    postal_letters,
    postal_batch_runs,
    postal_run_counter,
    providers,
    patients,
    substitute_decision_makers,
    sdm_links,
    sdm_applications,
    applications,
    accounts,
    access_matrix,
    data_type_policies,
    sharing_consents,
    access_keys,
    care_episodes,
    shared_records,
    audit_log,
    audit_pending,
    audit_leaves,
    audit_tree_nodes,
    audit_checkpoints,
    audit_tree_head,
    audit_verified,
    notification_jobs,
    notifications,
    app_devices,
    passkeys,
    sessions,
    auth_ceremonies,
    one_time_codes,
    attempt_counters,
    approvals,
    voice_calls,
    delivery_receipts,
    provider_particulars,
    provider_status_changes,
    staff_contacts,
    professional_registrations,
    provider_applications,
    provider_documents,
    provider_document_reminders,
    account_activations,
);
