use super::text_enum;

text_enum! {
    /// What an audit entry records.
    AuditAction, "action" {
        RecordView => "record_view",
        ConsentGiven => "consent_given",
        ConsentRevoked => "consent_revoked",
        ConsentsEnded => "consents_ended",
        RegistrationCompleted => "registration_completed",
        AccessKeyIssued => "access_key_issued",
        AccessKeyAttempt => "access_key_attempt",
        AccessKeyLocked => "access_key_locked",
        SignIn => "sign_in",
        CodeAttempt => "code_attempt",
        ProviderStatusChanged => "provider_status_changed",
        ProviderRegistered => "provider_registered",
        AccountChanged => "account_changed",
        MatrixChanged => "matrix_changed",
        RecordShared => "record_shared",
        ApprovalRequested => "approval_requested",
        SignatureRejected => "signature_rejected",
        Withdrawal => "withdrawal",
        JobRetried => "job_retried",
        ApplicationChanged => "application_changed",
        SignOut => "sign_out",
        PasskeyEnrolled => "passkey_enrolled",
        PreferencesChanged => "preferences_changed",
        ApprovalDecided => "approval_decided",
        ProviderStatusScheduled => "provider_status_scheduled",
        ProviderApplication => "provider_application",
        ProviderDocumentExpired => "provider_document_expired",
        SdmApplied => "sdm_applied",
        SdmLinked => "sdm_linked",
        SdmLinkChanged => "sdm_link_changed",
        ProviderDocumentsRecorded => "provider_documents_recorded",
        PatientLookup => "patient_lookup",
    }
}

text_enum! {
    AuditOutcome, "outcome" {
        Granted => "granted",
        Refused => "refused",
        Succeeded => "succeeded",
        Failed => "failed",
        Locked => "locked",
    }
}
